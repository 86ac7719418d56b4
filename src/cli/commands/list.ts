import type { Argv, CommandModule } from "yargs";
import { parseItem } from "../../core/items.js";
import { knownProfiles } from "../../core/pipeline.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";

export interface ListArgs extends GlobalArgs {
  json?: boolean | undefined;
  names?: boolean | undefined;
}

/** One row of `vsw list --json`. No secret ever appears here. */
export interface ListedProfile {
  profile: string;
  keys: boolean;
  sourceProfile: string | null;
  roleArn: string | null;
  mfaSerial: string | null;
  region: string | null;
  sessions: Array<{
    type: string;
    mfaSerial: string | null;
    expiresAt: string | null;
    secondsLeft: number | null;
  }>;
}

/**
 * `vsw list [--json|--names]`: every profile of the config and every stored item. Reads only item
 * names and expiry times, so the file keystore needs no passphrase for it.
 */
export async function runList(args: ListArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const { profiles, names } = await knownProfiles(vsw);
  const items = await vsw.keystore().list();
  const now = vsw.now();
  const rows = new Map<string, ListedProfile>();
  const row = (name: string): ListedProfile => {
    let found = rows.get(name);
    if (!found) {
      const values = profiles.get(name)?.values ?? {};
      found = {
        profile: name,
        keys: false,
        sourceProfile: values.source_profile ?? null,
        roleArn: values.role_arn ?? null,
        mfaSerial: values.mfa_serial ?? null,
        region: values.region ?? null,
        sessions: [],
      };
      rows.set(name, found);
    }
    return found;
  };
  for (const name of names) row(name);
  for (const item of items) {
    const parsed = parseItem(item.name);
    if (parsed.kind === "keys") row(parsed.profile).keys = true;
    if (parsed.kind === "session") {
      const left = item.expiresAt === undefined ? null : Math.floor((item.expiresAt - now) / 1000);
      if (left !== null && left <= 0) continue;
      row(parsed.profile).sessions.push({
        type: parsed.type,
        mfaSerial: parsed.mfaSerial,
        expiresAt: item.expiresAt === undefined ? null : new Date(item.expiresAt).toISOString(),
        secondsLeft: left,
      });
    }
  }
  const list = [...rows.values()];
  if (args.names) {
    process.stdout.write(list.map((r) => `${r.profile}\n`).join(""));
  } else if (args.json) {
    process.stdout.write(`${JSON.stringify({ keystore: vsw.keystoreName, profiles: list }, null, 2)}\n`);
  } else {
    process.stdout.write(renderTable(list));
  }
}

function renderTable(list: ListedProfile[]): string {
  const header = ["PROFILE", "KEYS", "SOURCE", "ROLE", "MFA", "SESSIONS"];
  const body = list.map((r) => [
    r.profile,
    r.keys ? "stored" : "-",
    r.sourceProfile ?? "-",
    r.roleArn ?? "-",
    r.mfaSerial ?? "-",
    r.sessions.length
      ? r.sessions
          .map((s) => `${s.type} ${s.secondsLeft === null ? "" : `${Math.floor(s.secondsLeft / 60)}m left`}`)
          .join(", ")
      : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? "").length)));
  return [header, ...body]
    .map(
      (cells) =>
        `${cells
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}

export const listCommand: CommandModule<GlobalArgs, ListArgs> = {
  command: "list",
  aliases: ["ls"],
  describe: "List profiles, stored keys and cached sessions (never a secret)",
  builder: (yargs) =>
    yargs
      .option("json", { type: "boolean", describe: "Print JSON" })
      .option("names", { type: "boolean", describe: "Print profile names only, one a line" })
      .conflicts("json", "names") as unknown as Argv<ListArgs>,
  handler: runList,
};
