/**
 * `vsw sso sync`'s file edit, pure: the marked block of profiles in the AWS config text, replaced
 * or appended, every line outside it kept byte for byte.
 */
import type { AccountRole } from "./portal.js";
import type { SsoSignIn } from "./settings.js";

/** The default profile name template (granted's default, `{{ .AccountName }}/{{ .RoleName }}`). */
export const DEFAULT_TEMPLATE = "{account_name}/{role_name}";

/** The placeholders a template may use. */
export const PLACEHOLDERS = ["account_name", "account_id", "role_name", "session"] as const;

/** What the block is called after: the session name, or the start URL (legacy form). */
export function blockId(signIn: SsoSignIn): string {
  return signIn.session ?? signIn.startUrl;
}

/**
 * A profile name from the template. Why the sanitising: account names hold spaces and other
 * characters that a `[profile …]` header or a shell word handles badly; runs of anything outside
 * `A-Z a-z 0-9 _ . @ + = / -` become one `-`.
 */
export function profileName(template: string, role: AccountRole, signIn: SsoSignIn): string {
  const values: Record<string, string> = {
    account_name: role.accountName,
    account_id: role.accountId,
    role_name: role.roleName,
    session: signIn.session ?? "",
  };
  const filled = template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
  return filled
    .replace(/[^\w.@+=/-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^\/+|\/+$/g, "");
}

/** The block's text (with its markers and a trailing newline) for these roles, sorted and de-duplicated. */
export function renderBlock(
  signIn: SsoSignIn,
  roles: readonly AccountRole[],
  options: { template: string; region: string; skip: ReadonlySet<string> },
): { text: string; names: string[]; skipped: string[] } {
  const id = blockId(signIn);
  const sorted = [...roles].sort(
    (a, b) =>
      a.accountName.localeCompare(b.accountName) ||
      a.accountId.localeCompare(b.accountId) ||
      a.roleName.localeCompare(b.roleName),
  );
  const used = new Set<string>();
  const names: string[] = [];
  const skipped: string[] = [];
  const lines = [
    `# BEGIN vsw sso sync ${id}`,
    "# Written by vsw sso sync; edits inside this block are replaced by the next sync.",
  ];
  for (const role of sorted) {
    let name = profileName(options.template, role, signIn) || `${role.accountId}-${role.roleName}`;
    // Two accounts with one name: the second gets its account id, so every profile is reachable.
    if (used.has(name)) name = `${name}-${role.accountId}`;
    if (used.has(name)) continue;
    used.add(name);
    // A profile the user wrote by hand outside the block wins; a second section would merge into it.
    if (options.skip.has(name)) {
      skipped.push(name);
      continue;
    }
    names.push(name);
    lines.push("", `[profile ${name}]`);
    if (signIn.session !== null) lines.push(`sso_session = ${signIn.session}`);
    else lines.push(`sso_start_url = ${signIn.startUrl}`, `sso_region = ${signIn.ssoRegion}`);
    lines.push(
      `sso_account_id = ${role.accountId}`,
      `sso_role_name = ${role.roleName}`,
      `region = ${options.region}`,
    );
  }
  lines.push(`# END vsw sso sync ${id}`);
  return { text: `${lines.join("\n")}\n`, names, skipped };
}

/** Where the block of `id` is in `text`: the offsets of its first and past its last line. */
export function findBlock(text: string, id: string): { start: number; end: number } | undefined {
  const begin = `# BEGIN vsw sso sync ${id}`;
  const endMarker = `# END vsw sso sync ${id}`;
  const lines = text.split("\n");
  let offset = 0;
  let start: number | undefined;
  for (const line of lines) {
    const bare = line.replace(/\r$/, "").trimEnd();
    if (start === undefined && bare === begin) start = offset;
    else if (start !== undefined && bare === endMarker) {
      const end = Math.min(text.length, offset + line.length + 1);
      return { start, end };
    }
    offset += line.length + 1;
  }
  return undefined;
}

/** `text` with the block replaced (or appended after a blank line when there is none). */
export function withBlock(text: string, id: string, block: string): string {
  const found = findBlock(text, id);
  if (found) return text.slice(0, found.start) + block + text.slice(found.end);
  if (text === "") return block;
  const sep = text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return `${text}${sep}${block}`;
}

/** The profile names declared outside the block (`[profile NAME]`, `[default]`). */
export function namesOutside(text: string, id: string): Set<string> {
  const found = findBlock(text, id);
  const outside = found ? text.slice(0, found.start) + text.slice(found.end) : text;
  const names = new Set<string>();
  for (const line of outside.split("\n")) {
    const header = /^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]\s*$/.exec(line);
    if (header?.[1] && !header[1].startsWith("sso-session ") && !header[1].startsWith("services "))
      names.add(header[1]);
  }
  return names;
}
