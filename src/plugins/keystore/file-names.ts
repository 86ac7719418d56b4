/**
 * Item names ↔ file names of the `file` keystore. Item names are not secret, but they hold any
 * character a profile name can (`session/AssumeRole/prod/arn:aws:iam::1:mfa/me`), so they are
 * encoded into a portable, reversible file name.
 */
import { createHash } from "node:crypto";
import { VswError } from "../../plugin.js";

/** Suffix of item files. */
export const ITEM_SUFFIX = ".item";

/**
 * Longest encoded name kept as is. File names are limited to 255 bytes; the rest is room for
 * suffixes (`.item`, `lock-….lock.break`).
 */
const MAX_ENCODED = 200;

/** Prefix of a hashed file name; `@` never occurs in an encoded name, so the two cannot collide. */
const HASHED_PREFIX = "@";

/**
 * Encodes an item name: `a-z`, `0-9` and `-` stay, every other UTF-8 byte becomes `_` + two
 * lowercase hex digits (`keys/prod` → `keys_2fprod`). Upper case is escaped too, so names that differ
 * only in case stay distinct on case-insensitive file systems (macOS), and a leading dot (`..`) is
 * impossible. A name whose encoding is too long becomes `@` + its SHA-256; the item file then keeps
 * the name in its clear header.
 */
export function encodeName(name: string): string {
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    out += plainByte(byte) ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, "0")}`;
  }
  return out.length <= MAX_ENCODED ? out : hashedName(name);
}

/** The hashed file name of a long item name. */
export function hashedName(name: string): string {
  return HASHED_PREFIX + createHash("sha256").update(name, "utf8").digest("hex");
}

/** Whether a file name (without suffix) is a hashed one, whose item name lives in the file's header. */
export function isHashed(encoded: string): boolean {
  return encoded.startsWith(HASHED_PREFIX);
}

/** Decodes {@link encodeName}'s output; `undefined` for a hashed or foreign file name. */
export function decodeName(encoded: string): string | undefined {
  // By hand, not /^(?:[a-z0-9-]|_[0-9a-f]{2})+$/: a switch lists every item name, and V8 compiles a
  // regular expression run more than once to machine code, tens of microseconds.
  if (encoded === "" || encoded.length > MAX_ENCODED) return undefined;
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x5f) {
      const byte = (hexDigit(encoded.charCodeAt(i + 1)) << 4) | hexDigit(encoded.charCodeAt(i + 2));
      // Only the canonical spelling counts: `_61` for `a` is not a file we wrote.
      if (byte < 0 || plainByte(byte)) return undefined;
      if (byte >= 0x80) ascii = false;
      bytes.push(byte);
      i += 2;
    } else if (plainByte(c)) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  if (ascii) return String.fromCharCode(...bytes);
  const name = Buffer.from(bytes).toString("utf8");
  // Invalid UTF-8 (decoded to U+FFFD) does not encode back: not a file we wrote either.
  return encodeName(name) === encoded ? name : undefined;
}

/** A lowercase hexadecimal digit's value; a large negative number for anything else. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -0x10000;
}

/** The bytes a name keeps as they are: `a-z`, `0-9`, `-`. */
function plainByte(byte: number): boolean {
  return (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d;
}

/**
 * Checks an item or lock name: a non-empty, well-formed string (a lone surrogate would not survive
 * the UTF-8 round trip, so two names could share a file).
 */
export function assertName(name: string, what = "Keystore item"): void {
  // Well-formed: no lone surrogate, so the name round-trips through UTF-8.
  if (typeof name !== "string" || name === "" || !name.isWellFormed()) {
    throw new VswError("VSW_USAGE", `${what} name must be a non-empty, well-formed string.`);
  }
}

/**
 * Checks what `set` is handed, the same for every built-in keystore: a well-formed name, a string
 * value and, when given, a finite expiry. Returns the expiry.
 */
export function assertItem(name: string, value: unknown, meta?: { expiresAt?: number }): number | undefined {
  assertName(name);
  if (typeof value !== "string") throw new VswError("VSW_USAGE", `Keystore item "${name}" must be a string.`);
  const expiresAt = meta?.expiresAt;
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    throw new VswError("VSW_USAGE", `Keystore item "${name}" has an expiry that is not a number.`);
  }
  return expiresAt;
}
