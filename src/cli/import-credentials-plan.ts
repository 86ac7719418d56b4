/**
 * The pure half of `vsw import credentials-file`: which key pairs of the AWS shared credentials file
 * can move, and the file's bytes without them. Read with vsw's own ini reader (src/core/config.ts),
 * so the import sees exactly the profiles the resolver sees. Bytes in, bytes out: every byte that is
 * not a moved line (comments, blank lines, CRLF, odd spacing, invalid UTF-8) stays as it was.
 */
import { type IniSection, parseAwsIni } from "../core/config.js";
import type { FoundKeys } from "./import-store.js";

const ID = "aws_access_key_id";
const SECRET = "aws_secret_access_key";
const TOKEN = "aws_session_token";

/** One profile of the file that holds key material. */
export interface FileProfile {
  profile: string;
  /** The pair to move, when it can move. */
  keys?: FoundKeys;
  /** Why the profile is skipped without an error (temporary credentials). */
  skip?: string;
  /** Why the profile cannot move (the user must fix the file). */
  refuse?: string;
  /** 1-based lines to delete once the keys are safe in the keystore. */
  lines: number[];
}

/**
 * The profiles of a credentials file that hold `aws_access_key_id` or `aws_secret_access_key`, in
 * file order. A profile with `aws_session_token` holds temporary credentials (from `aws sts` or
 * an SSO login): it is skipped, since vsw stores long-lived keys only. A profile whose key is written
 * twice with different values is refused: the AWS CLI would stop on it (ConfigParser's duplicate
 * check), and moving one value would lose the other.
 */
export function planCredentialsFile(bytes: Buffer, file: string): FileProfile[] {
  const { sections, occurrences } = keyLines(bytes.toString("utf8"), file);
  const byName = new Map<string, { values: Record<string, string>; sections: IniSection[] }>();
  for (const section of sections) {
    const entry = byName.get(section.name) ?? { values: {}, sections: [] };
    // Later sections win, as in loadAwsConfig.
    Object.assign(entry.values, section.values);
    entry.sections.push(section);
    byName.set(section.name, entry);
  }
  const out: FileProfile[] = [];
  for (const [profile, { values, sections: own }] of byName) {
    const mine = occurrences.filter((o) => own.includes(o.section));
    const ids = new Set(mine.filter((o) => o.key === ID).map((o) => o.value));
    const secrets = new Set(mine.filter((o) => o.key === SECRET).map((o) => o.value));
    if (ids.size === 0 && secrets.size === 0) continue;
    const lines = mine.filter((o) => o.key !== TOKEN).map((o) => o.line);
    const id = values[ID] ?? "";
    const secret = values[SECRET] ?? "";
    if ((values[TOKEN] ?? "") !== "") {
      out.push({
        profile,
        lines: [],
        skip: "it holds temporary credentials (aws_session_token); vsw stores long-lived keys only",
      });
    } else if (ids.size > 1 || secrets.size > 1) {
      const key = ids.size > 1 ? ID : SECRET;
      const at = mine.filter((o) => o.key === key).map((o) => o.line);
      out.push({
        profile,
        lines: [],
        refuse: `it sets ${key} more than once with different values (lines ${at.join(", ")})`,
      });
    } else if (id === "" || secret === "") {
      out.push({
        profile,
        lines: [],
        refuse: `it sets ${id === "" ? SECRET : ID} but no ${id === "" ? ID : SECRET}`,
      });
    } else {
      out.push({ profile, keys: { profile, accessKeyId: id, secretAccessKey: secret }, lines });
    }
  }
  return out;
}

/**
 * The header lines to drop with the moved keys: a section's header goes only when the section is
 * left with no `key = value` line at all. Why: an empty `[base]` would keep a profile with nothing in
 * it; a section with `region` (or anything else) keeps its header so those settings still apply.
 * Comments and blank lines inside the section stay, like every line vsw did not move.
 */
export function emptiedHeaders(bytes: Buffer, file: string, moved: ReadonlySet<number>): number[] {
  const headers: number[] = [];
  for (const section of keyLines(bytes.toString("utf8"), file).allSections) {
    const inSection = Object.values(section.lines);
    if (inSection.length > 0 && inSection.every((line) => moved.has(line))) headers.push(section.line);
  }
  return headers;
}

/**
 * `bytes` without the given 1-based lines, each with its own line ending (`\n` or `\r\n`); every
 * other byte unchanged. A byte-order mark on a dropped first line stays.
 */
export function dropLines(bytes: Buffer, lines: ReadonlySet<number>): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  let lineNo = 1;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl + 1;
    if (!lines.has(lineNo)) parts.push(bytes.subarray(start, end));
    else if (lineNo === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      parts.push(bytes.subarray(0, 3));
    }
    start = end;
    lineNo++;
  }
  return Buffer.concat(parts);
}

interface Occurrence {
  section: IniSection;
  key: string;
  value: string;
  line: number;
}

/**
 * Every line that sets a key of key material, including keys written twice in one section (the
 * reader keeps the last one): the file is read again with the lines found so far blanked, until no
 * more appear. `sections` is the first reading (what the resolver sees); `allSections` holds the
 * lines of every key of every section, duplicates included, for {@link emptiedHeaders}.
 */
function keyLines(
  text: string,
  file: string,
): { sections: IniSection[]; occurrences: Occurrence[]; allSections: IniSection[] } {
  const rows = text.split("\n");
  const sections = parseAwsIni(text, file, "credentials");
  const occurrences: Occurrence[] = [];
  const allSections = sections.map((s) => ({ ...s, lines: { ...s.lines } }));
  let current = sections;
  // Each round blanks at least one line, so the rows bound the rounds.
  for (let round = 0; round < rows.length; round++) {
    const found: number[] = [];
    for (const [index, section] of current.entries()) {
      const first = sections[index] as IniSection;
      for (const key of [ID, SECRET, TOKEN]) {
        const line = section.lines[key];
        if (line === undefined) continue;
        occurrences.push({ section: first, key, value: section.values[key] ?? "", line });
        found.push(line);
      }
      if (round > 0) {
        const all = allSections[index] as IniSection;
        for (const [key, line] of Object.entries(section.lines)) all.lines[`${key}@${line}`] = line;
      }
    }
    if (found.length === 0) break;
    for (const line of found) rows[line - 1] = "";
    current = parseAwsIni(rows.join("\n"), file, "credentials");
  }
  return { sections, occurrences, allSections };
}
