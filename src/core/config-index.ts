/**
 * The section index of an AWS config or credentials file: where each section's header starts and
 * on which line, grouped by a hash of the section's name. With it, a switch parses only the
 * sections its profile chain names (a handful) instead of every section of a 5,000-profile file.
 *
 * An index holds offsets and line numbers only: no name and no value, so nothing of a file that
 * may hold `aws_secret_access_key` is copied. It is built by a full, validating parse, so a file
 * it describes was valid as a whole; the plugin that keeps it (plugins/config/config-index-store.ts)
 * uses it only for a file of the same identity. Every section found through it is checked again
 * (its header must name what was asked), and a mismatch drops to the full parse.
 */
import {
  type AwsConfig,
  type IniFileKind,
  type IniSection,
  type IniSectionKind,
  type Lookup,
  loadAwsConfig,
  mergeInto,
  newSection,
  type ProfileConfig,
  parseAwsIni,
  stripComment,
} from "./config.js";

/** Where the sections of one text are (see the module's header). */
export interface SectionIndex {
  /**
   * The text it describes. An index is used only for this very text: a `loadConfig` tap that
   * changes the text leaves an index that no longer fits, and the resolver parses the whole text.
   */
  text: string;
  /** UTF-16 length of that text (what a stored index records of it). */
  length: number;
  /** Offset of each section's `[`, in file order. */
  starts: Int32Array;
  /** 1-based line of each section's header. */
  lines: Int32Array;
  /** Bucket `b` holds `entries[bucketStart[b]]` up to `entries[bucketStart[b + 1]]`. */
  bucketStart: Int32Array;
  /** Section numbers (into `starts`), grouped by bucket, each bucket in file order. */
  entries: Int32Array;
}

/** The bucket of a name: FNV-1a over its UTF-16 code units. */
export function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Parses all of `text` (throwing `VSW_CONFIG_INVALID` as {@link parseAwsIni} does) and returns where
 * its sections are.
 */
export function buildSectionIndex(text: string, file: string, kind: IniFileKind): SectionIndex {
  const sections = parseAwsIni(text, file, kind);
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const count = sections.length;
  const starts = new Int32Array(count);
  const lines = new Int32Array(count);
  const buckets = Math.max(1, count);
  const bucketOf = new Int32Array(count);
  const sizes = new Int32Array(buckets);
  sections.forEach((section, i) => {
    let at = lineStarts[section.line - 1] ?? 0;
    while (text[at] !== "[") at++;
    starts[i] = at;
    lines[i] = section.line;
    const bucket = nameHash(section.name) % buckets;
    bucketOf[i] = bucket;
    sizes[bucket] = (sizes[bucket] ?? 0) + 1;
  });
  const bucketStart = new Int32Array(buckets + 1);
  for (let b = 0; b < buckets; b++) bucketStart[b + 1] = (bucketStart[b] ?? 0) + (sizes[b] ?? 0);
  const fill = bucketStart.slice(0, buckets);
  const entries = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const bucket = bucketOf[i] ?? 0;
    entries[fill[bucket] ?? 0] = i;
    fill[bucket] = (fill[bucket] ?? 0) + 1;
  }
  return { text, length: text.length, starts, lines, bucketStart, entries };
}

/**
 * Whether an index describes `text` and is well formed. Constant time for the text it was built
 * from (the same string); what it does not check (every offset) is checked where it is used, as
 * every section found is parsed from its header and a mismatch drops to the full parse.
 */
export function indexFits(index: SectionIndex, text: string): boolean {
  const { starts, lines, bucketStart, entries } = index;
  const count = starts.length;
  return (
    index.text === text &&
    index.length === text.length &&
    lines.length === count &&
    entries.length === count &&
    bucketStart.length === Math.max(1, count) + 1 &&
    bucketStart[0] === 0 &&
    bucketStart[bucketStart.length - 1] === count
  );
}

/** An index that does not describe its text: the caller parses the whole file instead. */
class IndexMismatch extends Error {}

/** The sections named `name` (and accepted by `accept`), in file order, parsed from the text alone. */
function sectionsNamed(
  text: string,
  file: string,
  kind: IniFileKind,
  index: SectionIndex,
  name: string,
  accept: (kind: IniSectionKind) => boolean,
): IniSection[] {
  const { starts, lines, bucketStart, entries } = index;
  const bucket = nameHash(name) % (bucketStart.length - 1);
  const found: IniSection[] = [];
  for (let e = bucketStart[bucket] ?? 0; e < (bucketStart[bucket + 1] ?? 0); e++) {
    const i = entries[e] ?? -1;
    const start = starts[i] ?? -1;
    if (start < 0 || start >= text.length) throw new IndexMismatch();
    const newline = text.indexOf("\n", start);
    const header = stripComment(text.slice(start, newline === -1 ? text.length : newline)).trim();
    if (!header.startsWith("[") || !header.endsWith("]")) throw new IndexMismatch();
    const line = lines[i] ?? 1;
    const head = newSection(header.slice(1, -1).trim(), line, kind);
    // Another name in the same bucket.
    if (head.name !== name || !accept(head.kind)) continue;
    const end = i + 1 < starts.length ? (starts[i + 1] ?? text.length) : text.length;
    const parsed = parseAwsIni(text.slice(start, end), file, kind, line);
    if (parsed.length !== 1) throw new IndexMismatch();
    found.push(parsed[0] as IniSection);
  }
  return found;
}

/** The two files' texts and indexes. */
export interface IndexedFiles {
  configText: string;
  configFile: string;
  credentialsText: string;
  credentialsFile: string;
  config: SectionIndex;
  credentials: SectionIndex;
}

const isProfile = (kind: IniSectionKind) => kind === "profile" || kind === "default";

/**
 * The files as {@link loadAwsConfig} reads them, with each profile, `[services]` and
 * `[sso-session]` block parsed when first asked for. Falls back to the full parse when an index
 * does not match its text.
 */
export function indexedAwsConfig(files: IndexedFiles): AwsConfig {
  let full: AwsConfig | undefined;
  const whole = (): AwsConfig => {
    full ??= loadAwsConfig(files.configText, files.configFile, files.credentialsText, files.credentialsFile);
    return full;
  };
  const lookup = (
    pick: (config: AwsConfig) => Lookup<ProfileConfig>,
    accept: (kind: IniSectionKind) => boolean,
    credentials: boolean,
  ): Lookup<ProfileConfig> => {
    const memo = new Map<string, ProfileConfig | undefined>();
    const get = (name: string): ProfileConfig | undefined => {
      if (full) return pick(full).get(name);
      if (memo.has(name)) return memo.get(name);
      let result: ProfileConfig | undefined;
      try {
        const merged = new Map<string, ProfileConfig>();
        const from = (text: string, file: string, kind: IniFileKind, index: SectionIndex) => {
          for (const section of sectionsNamed(text, file, kind, index, name, accept)) {
            mergeInto(merged, section, file);
          }
        };
        from(files.configText, files.configFile, "config", files.config);
        // Merged second, so its values overwrite the config file's (botocore's order).
        if (credentials) from(files.credentialsText, files.credentialsFile, "credentials", files.credentials);
        result = merged.get(name);
      } catch (error) {
        if (!(error instanceof IndexMismatch)) throw error;
        return pick(whole()).get(name);
      }
      memo.set(name, result);
      return result;
    };
    return { get, has: (name) => get(name) !== undefined };
  };
  return {
    profiles: lookup((c) => c.profiles, isProfile, true),
    services: lookup(
      (c) => c.services,
      (kind) => kind === "services",
      false,
    ),
    ssoSessions: lookup(
      (c) => c.ssoSessions,
      (kind) => kind === "sso-session",
      false,
    ),
    // Only the "no such profile" error reads it: the full parse is fine there.
    get ignoredSections() {
      return whole().ignoredSections;
    },
  };
}
