import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs, PluginRecord } from "../context.js";
import { buildVsw, pluginRecords } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";
import { printable, safeJson } from "../report.js";

export interface PluginsArgs extends GlobalArgs {
  json?: boolean | undefined;
}

/**
 * `vsw plugins [--json]`: every plugin applied, built-ins first, with where it came from, its
 * version and the hooks it tapped. Loads plugins as any command does, so a broken one fails here too.
 */
export async function runPlugins(args: PluginsArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const records = pluginRecords(vsw);
  if (args.json) {
    process.stdout.write(`${safeJson(records.map(jsonRecord))}\n`);
    return;
  }
  const rows = [
    ["NAME", "VERSION", "FROM", "HOOKS"],
    ...records.map((r) => [r.name, r.version ?? "-", from(r), r.hooks.join(", ") || "-"].map(printable)),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] as number) : cell)).join("  "),
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Where a plugin came from, in one cell. */
function from(record: PluginRecord): string {
  if (record.from === "built-in") return "built-in";
  const where = record.spec === record.file ? record.spec : `${record.spec} (${record.file})`;
  if (record.config) return `config ${record.config.file}: ${record.config.label} = ${where}`;
  return `${record.from} ${where}`;
}

/** A record for `--json`: absent fields as `null`, so every object has the same keys. */
function jsonRecord(record: PluginRecord) {
  return {
    name: record.name,
    version: record.version ?? null,
    from: record.from,
    spec: record.spec ?? null,
    file: record.file ?? null,
    config: record.config ?? null,
    hooks: record.hooks,
  };
}

export const pluginsCommand: CommandModule<GlobalArgs, PluginsArgs> = {
  ...yargsHead("plugins"),
  builder: (yargs) => grammarOptions(yargs, "plugins") as unknown as Argv<PluginsArgs>,
  handler: runPlugins,
};
