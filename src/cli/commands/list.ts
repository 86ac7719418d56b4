import type { Argv, CommandModule } from "yargs";
import type { Lookup, ProfileConfig } from "../../core/config.js";
import { parseItem } from "../../core/items.js";
import { knownProfiles } from "../../core/pipeline.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";
import { printable, safeJson } from "../report.js";

export interface ListArgs extends GlobalArgs {
  json?: boolean | undefined;
  names?: boolean | undefined;
  credentials?: boolean | undefined;
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
 * `vsw list [--json|--names|--credentials]`: every profile of the config and every stored item.
 * Reads only item names and expiry times, so the file keystore needs no passphrase for it.
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
  if (args.names || args.credentials) {
    // `--credentials` is aws-vault's flag: the names with stored keys, one a line.
    const chosen = args.credentials ? list.filter((r) => r.keys) : list;
    process.stdout.write(
      nameLines(
        chosen.map((r) => r.profile),
        vsw.warn,
      ),
    );
  } else if (args.json) {
    process.stdout.write(`${safeJson({ keystore: vsw.keystoreName, profiles: list }, 2)}\n`);
  } else {
    process.stdout.write(renderTable(list, profiles));
  }
}

/**
 * Names one a line, for scripts and pickers. Why a name with a control character (or a bidi
 * override) is left out, with a warning, rather than escaped: an escaped name is a different name,
 * so a script would pass on a profile that does not exist; a raw one would reach the terminal.
 */
function nameLines(names: string[], warn: (message: string) => void): string {
  let out = "";
  for (const name of names) {
    if (printable(name) === name) out += `${name}\n`;
    else warn(`Left out profile "${printable(name)}": its name holds control characters.`);
  }
  return out;
}

/**
 * The SOURCE cell of a profile that names no source_profile but takes its credentials from
 * elsewhere: `sso SESSION` (or `sso` in the legacy form), `web identity`, or the credential_source.
 */
function otherSource(values: Readonly<Record<string, string>>): string | undefined {
  if (values.source_profile !== undefined) return undefined;
  if (values.credential_source !== undefined) return values.credential_source;
  if (values.web_identity_token_file !== undefined) return "web identity";
  if (values.sso_session !== undefined) return `sso ${values.sso_session}`;
  if (values.sso_start_url !== undefined || values.sso_account_id !== undefined) return "sso";
  return undefined;
}

function renderTable(list: ListedProfile[], profiles: Lookup<ProfileConfig>): string {
  const header = ["PROFILE", "KEYS", "SOURCE", "ROLE", "MFA", "SESSIONS"];
  // Every cell from the config or the keystore is escaped: a name or ARN can hold a terminal escape.
  const body = list.map((r) => [
    printable(r.profile),
    r.keys ? "stored" : "-",
    printable(r.sourceProfile ?? otherSource(profiles.get(r.profile)?.values ?? {}) ?? "-"),
    printable(r.roleArn ?? "-"),
    printable(r.mfaSerial ?? "-"),
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
  ...yargsHead("list"),
  builder: (yargs) =>
    grammarOptions(yargs, "list")
      .conflicts("json", ["names", "credentials"])
      .conflicts("names", "credentials") as unknown as Argv<ListArgs>,
  handler: runList,
};
