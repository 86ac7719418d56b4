/**
 * Reader of the AWS shared config and credentials files. Hand-written, as the AWS SDK for
 * JavaScript v3 (`@smithy/shared-ini-file-loader`) does: the npm `ini` package splits section names
 * on dots (`[profile my.org]` breaks) and cuts `a#b` values. Pure: text in, sections out.
 */
import { VswError } from "./errors.js";

/** What a section header declares. `other` sections (`[plugins]`, a bare `[prod]` in the config file) are kept but ignored. */
export type IniSectionKind = "default" | "profile" | "sso-session" | "services" | "other";

/** Which file a text comes from: their section headers differ (`[profile x]` versus `[x]`). */
export type IniFileKind = "config" | "credentials";

/** One section of an ini file, as written (a section written twice appears twice). */
export interface IniSection {
  kind: IniSectionKind;
  /** The name inside the header: `prod` for `[profile prod]`, the whole header for `other`. */
  name: string;
  /** 1-based line of the header. */
  line: number;
  /** Lower-cased key → trimmed value; sub-properties as `parent.key` (`s3.max_concurrent_requests`). */
  values: Record<string, string>;
  /** Lower-cased key → 1-based line where its value was read. */
  lines: Record<string, number>;
}

/** Where a value was read. */
export interface Origin {
  file: string;
  line: number;
}

/** A profile (or a `[services]` block) merged from every section that declares it. */
export interface ProfileConfig {
  name: string;
  /** Merged values (null-prototype object: a `__proto__` key is plain data). */
  values: Record<string, string>;
  /** File and line of the first section declaring it (the config file's, when both files do). */
  file: string;
  line: number;
  /** Key → where the winning value was read. */
  origins: Record<string, Origin>;
}

/** What the resolver asks of a set of merged sections: a `Map`, or the index's lazy view (config-index.ts). */
export interface Lookup<T> {
  get(name: string): T | undefined;
  has(name: string): boolean;
}

/** Everything the resolver needs from the two files. */
export interface AwsConfig {
  /** Profile name → merged profile, in order of first appearance (config file first). */
  profiles: Lookup<ProfileConfig>;
  /** `[services NAME]` blocks of the config file, by name. */
  services: Lookup<ProfileConfig>;
  /** `[sso-session NAME]` blocks of the config file, by name. */
  ssoSessions: Lookup<ProfileConfig>;
  /** Names of config-file sections that are not profiles (`[prod]` instead of `[profile prod]`). */
  ignoredSections: string[];
}

/**
 * Parses the text of an AWS config (`kind = "config"`) or credentials (`kind = "credentials"`) file.
 * Keys are lower-cased, names keep their case, `#`/`;` start a comment at the start of a line or
 * after whitespace. A line that is neither a header, `key = value` (or `key: value`, as botocore
 * accepts), a comment nor blank is a
 * `VSW_CONFIG_INVALID` naming `file` and the line.
 */
export function parseAwsIni(
  text: string,
  file: string,
  kind: IniFileKind = "config",
  firstLine = 1,
): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  // The key whose empty value opened a block of indented sub-properties (`s3 =` then `  x = 1`).
  let parent: string | undefined;
  // (Lines and delimiters found without regular expressions: on the hot path each one V8 compiles
  // costs tens of microseconds, more than parsing a small config.)
  const rows = lines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  for (const [index, raw] of rows.entries()) {
    const lineNo = index + firstLine;
    const content = stripComment(raw);
    const trimmed = content.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("[")) {
      if (!trimmed.endsWith("]") || trimmed.slice(1, -1).trim() === "") {
        throw malformed(file, lineNo, "a section header like [profile NAME] with a closing bracket");
      }
      current = newSection(trimmed.slice(1, -1).trim(), lineNo, kind);
      sections.push(current);
      parent = undefined;
      continue;
    }
    // Why `:` too: botocore reads the files with Python's ConfigParser, whose delimiters are `=`
    // and `:`; the first of them on the line splits key from value (`region: eu-west-1`).
    const eq = firstDelimiter(trimmed);
    if (eq <= 0) throw malformed(file, lineNo, "a line of the form key = value");
    if (!current) throw malformed(file, lineNo, "a [section] header before the first key");
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = trimmed.slice(eq + 1).trim();
    // Whitespace as `\s` means it (trimStart removes exactly that set).
    const indented = content.trimStart() !== content;
    if (indented && parent !== undefined) {
      // Why: the AWS CLI's nested settings (`s3 =` + indented lines) must not break the parse; they
      // are kept under a dotted key, as the SDK for JavaScript does, where no honoured key can clash.
      setValue(current, `${parent}.${key}`, value, lineNo);
      continue;
    }
    setValue(current, key, value, lineNo);
    parent = value === "" ? key : undefined;
  }
  return sections;
}

/** The lines of `text` as `text.split(/\r?\n/)` gives them. */
export function lines(text: string): string[] {
  const rows = text.split("\n");
  // Each row but the last ended with "\n": a "\r" before it belongs to the line break.
  for (let i = 0; i < rows.length - 1; i++) {
    const row = rows[i] as string;
    if (row.endsWith("\r")) rows[i] = row.slice(0, -1);
  }
  return rows;
}

/** The index of the first `=` or `:` (`-1` when neither is there). */
export function firstDelimiter(line: string): number {
  const eq = line.indexOf("=");
  const colon = line.indexOf(":");
  return eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
}

/**
 * Reads both files and merges them as the AWS CLI does: sections naming the same profile merge in
 * file order (later keys win), and a credentials-file value beats the config file's for the same key.
 */
export function loadAwsConfig(
  configText: string,
  configFile: string,
  credentialsText: string,
  credentialsFile: string,
): AwsConfig & {
  profiles: Map<string, ProfileConfig>;
  services: Map<string, ProfileConfig>;
  ssoSessions: Map<string, ProfileConfig>;
} {
  const profiles = new Map<string, ProfileConfig>();
  const services = new Map<string, ProfileConfig>();
  const ssoSessions = new Map<string, ProfileConfig>();
  const ignoredSections: string[] = [];
  for (const section of parseAwsIni(configText, configFile, "config")) {
    // Why: `[default]` and `[profile default]` both name the default profile (AWS CLI and SDK).
    if (section.kind === "default" || section.kind === "profile") mergeInto(profiles, section, configFile);
    else if (section.kind === "services") mergeInto(services, section, configFile);
    else if (section.kind === "sso-session") mergeInto(ssoSessions, section, configFile);
    else if (section.kind === "other") ignoredSections.push(section.name);
  }
  // Merged second, so its values overwrite the config file's (botocore's order).
  for (const section of parseAwsIni(credentialsText, credentialsFile, "credentials")) {
    mergeInto(profiles, section, credentialsFile);
  }
  return { profiles, services, ssoSessions, ignoredSections };
}

/** The merged profiles of both files, by name (see {@link loadAwsConfig}). */
export function loadProfiles(
  configText: string,
  configFile: string,
  credentialsText: string,
  credentialsFile: string,
): Map<string, ProfileConfig> {
  return loadAwsConfig(configText, configFile, credentialsText, credentialsFile).profiles;
}

/**
 * Every profile name a user can switch to (`vsw list`, shell completion): the profiles of both
 * files in order of first appearance, then the names that only have stored keys, sorted. An empty
 * `[default]` section is not a profile (`aws configure` and many setups leave one behind; it holds
 * nothing to switch to) unless keys are stored under `default`.
 */
export function profileNames(
  profiles: ReadonlyMap<string, ProfileConfig>,
  storedKeys: Iterable<string> = [],
): string[] {
  const stored = new Set(storedKeys);
  const names = [...profiles.values()]
    .filter((p) => p.name !== "default" || stored.has(p.name) || Object.keys(p.values).length > 0)
    .map((p) => p.name);
  const extra = [...stored].filter((name) => !profiles.has(name)).sort();
  return [...names, ...extra];
}

/** Cuts a `#` or `;` comment that starts the line or follows whitespace; `a#b` stays a value. */
export function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if ((c === "#" || c === ";") && (i === 0 || /\s/.test(line[i - 1] ?? ""))) return line.slice(0, i);
  }
  return line;
}

export function newSection(header: string, line: number, kind: IniFileKind): IniSection {
  const section = (k: IniSectionKind, name: string): IniSection => ({
    kind: k,
    name,
    line,
    values: Object.create(null) as Record<string, string>,
    lines: Object.create(null) as Record<string, number>,
  });
  // Why: in the credentials file every section is a profile and the header is its name, verbatim.
  if (kind === "credentials") return section("profile", header);
  if (header === "default") return section("default", "default");
  // What /^(profile|sso-session|services)\s+(.+)$/ matches, by hand (see `lines`): a kind, then
  // whitespace, then the name, with no line terminator (which `.` does not match).
  for (const word of HEADER_KINDS) {
    if (!header.startsWith(word)) continue;
    const after = header.slice(word.length);
    const name = after.trimStart();
    if (name === after || name === "" || hasLineTerminator(name)) break;
    return section(word, unquote(name.trim()));
  }
  return section("other", header);
}

const HEADER_KINDS = ["profile", "sso-session", "services"] as const;

/** Whether `text` holds a character JavaScript's `.` does not match: \n, \r, U+2028, U+2029. */
function hasLineTerminator(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * `[profile "my prod"]` names `my prod`: botocore (shlex) and the JS SDK both accept quotes. (What
 * /^(["'])(.+)\1$/ takes, by hand.)
 */
function unquote(name: string): string {
  const quote = name[0];
  if (quote !== '"' && quote !== "'") return name;
  const inner = name.slice(1, -1);
  return name.length >= 3 && name.endsWith(quote) && !hasLineTerminator(inner) ? inner : name;
}

function setValue(section: IniSection, key: string, value: string, line: number): void {
  section.values[key] = value;
  section.lines[key] = line;
}

export function mergeInto(target: Map<string, ProfileConfig>, section: IniSection, file: string): void {
  let merged = target.get(section.name);
  if (!merged) {
    merged = {
      name: section.name,
      values: Object.create(null) as Record<string, string>,
      file,
      line: section.line,
      origins: Object.create(null) as Record<string, Origin>,
    };
    target.set(section.name, merged);
  }
  for (const [key, value] of Object.entries(section.values)) {
    merged.values[key] = value;
    merged.origins[key] = { file, line: section.lines[key] ?? section.line };
  }
}

function malformed(file: string, line: number, expected: string): VswError {
  return new VswError("VSW_CONFIG_INVALID", `Line ${line} of "${file}" is not valid: expected ${expected}.`, {
    hint: "Fix or comment out the line (a comment starts with # or ;).",
  });
}
