/**
 * Item names ↔ entry paths of the `pass` keystore. `/` stays the directory separator (so
 * `pass ls vsw` shows a tree); inside a component every byte outside `a-z 0-9 - _ .` becomes `%XX`
 * (upper-case hex), so `%` and `@` never appear bare, a component never starts with a dot nor ends
 * in `.gpg` (a folder must not look like an entry file). An
 * item with an expiry lives in the entry `<path>@<expiresAt ms>`: the `@` cannot occur in an encoded
 * component, so the suffix is unambiguous and `list` reads the expiry from the file name, no gpg.
 */
import { VswError } from "../../plugin.js";

/** Suffix pass gives every entry file. */
export const ENTRY_SUFFIX = ".gpg";

/** Prefix of a temporary entry: a leading dot is never a component we encode, so list skips it. */
export const TEMP_PREFIX = ".vsw-tmp-";

/**
 * Longest encoded component. File names are limited to 255 bytes; the rest is room for the expiry
 * suffix (`@` + 16 digits) and `.gpg`.
 */
export const MAX_COMPONENT = 200;

/** An entry file found in a directory: which item component it stores, and its expiry if any. */
export interface EntryFile {
  /** The decoded last component of the item name. */
  component: string;
  /** The file name (with `.gpg`). */
  file: string;
  expiresAt?: number;
}

/**
 * Encodes one component. Upper case is escaped too, so names that differ only in case stay distinct
 * on a case-insensitive file system (macOS), where "Prod" and "prod" would otherwise share a file.
 */
export function encodeComponent(component: string): string {
  const bytes = Buffer.from(component, "utf8");
  // A folder named "x.gpg" would stand where item "x"'s file is: the dot of a final ".gpg" is escaped.
  const gpgDot = component.endsWith(".gpg") ? bytes.length - 4 : -1;
  let out = "";
  for (const [i, byte] of bytes.entries()) {
    const safe =
      (byte >= 0x61 && byte <= 0x7a) ||
      (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x2d ||
      byte === 0x5f ||
      (byte === 0x2e && i !== 0 && i !== gpgDot);
    out += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes {@link encodeComponent}'s output; `undefined` for anything vsw would not have written. */
export function decodeComponent(encoded: string): string | undefined {
  if (!/^(?:[a-z0-9._-]|%[0-9A-F]{2})+$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%") {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  const component = Buffer.from(bytes).toString("utf8");
  // Only the canonical spelling is ours: `%61` for `a`, lower-case hex or invalid UTF-8 is foreign.
  return encodeComponent(component) === encoded ? component : undefined;
}

/** The encoded components of an item name; refuses names pass cannot hold as files. */
export function encodePath(name: string): string[] {
  if (typeof name !== "string" || name === "" || Buffer.from(name, "utf8").toString("utf8") !== name) {
    throw new VswError("VSW_USAGE", "Keystore item name must be a non-empty, well-formed string.");
  }
  return name.split("/").map((component) => {
    if (component === "") {
      throw new VswError(
        "VSW_USAGE",
        `Keystore item name "${name}" has an empty part, which the pass keystore cannot store.`,
        {
          hint: 'The pass keystore keeps "/" as a folder separator: a name must not start or end with "/" nor hold "//".',
        },
      );
    }
    const encoded = encodeComponent(component);
    if (encoded.length > MAX_COMPONENT) {
      throw new VswError(
        "VSW_USAGE",
        `Keystore item name "${name}" has a part too long for a file name in the pass keystore (${encoded.length} bytes encoded, at most ${MAX_COMPONENT}).`,
        { hint: "Use a shorter profile name, or another keystore (--keystore file)." },
      );
    }
    return encoded;
  });
}

/** The file name of an entry for an encoded component and an optional expiry. */
export function entryFile(encoded: string, expiresAt?: number): string {
  return `${encoded}${expiresAt === undefined ? "" : `@${expiresAt}`}${ENTRY_SUFFIX}`;
}

/** Parses a file name of a directory of entries; `undefined` when it is not an entry vsw wrote. */
export function parseEntryFile(file: string): EntryFile | undefined {
  if (!file.endsWith(ENTRY_SUFFIX)) return undefined;
  const match = /^([^@]+)(?:@(0|[1-9][0-9]{0,15}))?$/.exec(file.slice(0, -ENTRY_SUFFIX.length));
  if (!match?.[1]) return undefined;
  const component = decodeComponent(match[1]);
  if (component === undefined) return undefined;
  if (match[2] === undefined) return { component, file };
  const expiresAt = Number(match[2]);
  return Number.isSafeInteger(expiresAt) ? { component, file, expiresAt } : undefined;
}

/**
 * Of several entries of one item (a `set` killed between writing the new entry and removing the
 * old ones leaves two), the one that counts: the latest expiry, an entry without expiry first.
 */
export function latest<T extends { expiresAt?: number }>(entries: T[]): T | undefined {
  let best: T | undefined;
  for (const entry of entries) {
    if (best === undefined || rank(entry) > rank(best)) best = entry;
  }
  return best;
}

function rank(entry: { expiresAt?: number }): number {
  return entry.expiresAt ?? Number.POSITIVE_INFINITY;
}
