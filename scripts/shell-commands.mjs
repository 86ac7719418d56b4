// Writes the binary's command list into the shell wrappers (shell/vsw.bash, .zsh, .fish): the words
// the `vsw` function passes to the binary instead of switching to a profile of that name. The list
// comes from the one CLI grammar, src/cli/complete-specs.ts, so a new command cannot be forgotten in
// one wrapper. Run by scripts/build.mjs; it rewrites only the line after the marker comment.
import { readFileSync, writeFileSync } from "node:fs";

const MARKER = "# The binary's commands, written by scripts/build.mjs from src/cli/complete-specs.ts.";

/** Each wrapper's case pattern for `words`, after the line's own indentation. */
const PATTERNS = {
  bash: (words) => `${["-*", ...words].join(" | ")})`,
  zsh: (words) => `(${["-*", ...words].join(" | ")})`,
  fish: (words) => `case '-*' ${words.join(" ")}`,
};

/**
 * The pass-through line each wrapper should have: `{ shell, file, index, line }`, where `index` is
 * the line's number (0-based) in the file. `build` is esbuild's, used to read the TypeScript table.
 */
export async function shellCommandLines(build) {
  const bundled = await build({
    entryPoints: [new URL("../src/cli/complete-specs.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "warning",
  });
  const source = bundled.outputFiles[0].text;
  const { COMMAND_SPECS, BUILTIN_PLUGIN_COMMANDS = [] } = await import(
    `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`
  );
  // `use` and `off` are the wrapper's own: it handles them before the pass-through.
  // Built-in plugins' commands (`vsw sso`) too: the function must not take them for profiles.
  const words = [
    ...COMMAND_SPECS.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])]),
    ...BUILTIN_PLUGIN_COMMANDS,
  ].filter((word) => word !== "use" && word !== "off");
  const out = [];
  for (const [shell, pattern] of Object.entries(PATTERNS)) {
    const file = new URL(`../shell/vsw.${shell}`, import.meta.url);
    const lines = readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((line) => line.trim() === MARKER);
    if (at === -1 || at + 1 >= lines.length) throw new Error(`shell/vsw.${shell} has no line "${MARKER}"`);
    const next = lines[at + 1];
    const indent = next.slice(0, next.length - next.trimStart().length);
    out.push({ shell, file, index: at + 1, line: `${indent}${pattern(words)}` });
  }
  return out;
}

/** Rewrites the wrappers' pass-through lines where they differ; returns the shells changed. */
export async function writeShellCommands(build) {
  const changed = [];
  for (const { shell, file, index, line } of await shellCommandLines(build)) {
    const lines = readFileSync(file, "utf8").split("\n");
    if (lines[index] === line) continue;
    lines[index] = line;
    writeFileSync(file, lines.join("\n"));
    changed.push(shell);
  }
  return changed;
}
