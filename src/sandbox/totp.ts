/**
 * One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with `node:crypto` only.
 *
 * Standalone on purpose: the STS emulator checks MFA codes with it, and the TOTP MFA plugin
 * generates them with it, so both sides of a test agree by construction and are checked
 * against the RFC vectors and `oathtool`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** HMAC algorithms allowed by RFC 6238 §1.2. AWS virtual MFA devices use SHA-1. */
export type OtpAlgorithm = "sha1" | "sha256" | "sha512";

/** Options shared by {@link totp} and {@link verifyTotp}. */
export interface TotpOptions {
  /** Code length; RFC 4226 requires at least 6. Default 6 (what AWS accepts). */
  digits?: number;
  /** Time step in seconds. Default 30 (RFC 6238's recommendation, used by AWS). */
  step?: number;
  /** HMAC algorithm. Default `sha1`. */
  algorithm?: OtpAlgorithm;
}

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * Decodes RFC 4648 base32 (the format authenticator apps and AWS show a TOTP seed in).
 * Case-insensitive; spaces, dashes and `=` padding are ignored, as authenticator apps do.
 * @throws {TypeError} when the text holds a character outside the base32 alphabet.
 */
export function base32Decode(input: string): Buffer {
  const clean = input.replace(/[\s=-]/g, "").toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new TypeError(`Base32 text has a character outside A-Z and 2-7: "${char}".`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  // Leftover bits (< 8) are padding of the last quantum, as RFC 4648 §6 defines.
  return Buffer.from(out);
}

/** Encodes bytes as RFC 4648 base32 without padding (how AWS prints a virtual MFA seed). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * HOTP (RFC 4226 §5.3): HMAC of the 8-byte big-endian counter, dynamic truncation, modulo 10^digits.
 * @param key the raw shared secret (decode a base32 seed with {@link base32Decode} first).
 */
export function hotp(
  key: Uint8Array,
  counter: number | bigint,
  digits = 6,
  algorithm: OtpAlgorithm = "sha1",
): string {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new RangeError(`HOTP digits must be an integer from 6 to 10, got ${digits}.`);
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  // Dynamic truncation: the low nibble of the last byte picks a 31-bit window (RFC 4226 §5.4).
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, "0");
}

/** The RFC 6238 time-step counter for a Unix time in seconds: floor(t / step). */
export function totpCounter(epochSeconds: number, step = 30): number {
  return Math.floor(epochSeconds / step);
}

/**
 * TOTP (RFC 6238): the HOTP code of the time-step counter that `epochSeconds` falls in.
 * @param secretBase32 the seed as an authenticator app shows it.
 * @param epochSeconds Unix time in seconds, e.g. `Date.now() / 1000`.
 */
export function totp(secretBase32: string, epochSeconds: number, options: TotpOptions = {}): string {
  const { digits = 6, step = 30, algorithm = "sha1" } = options;
  return hotp(base32Decode(secretBase32), totpCounter(epochSeconds, step), digits, algorithm);
}

/**
 * Checks a TOTP code against the steps around `epochSeconds`, `window` steps either side
 * (RFC 6238 §5.2 recommends one step of tolerance for network delay and clock drift).
 * @returns the counter the code matched, so a caller can refuse to accept it twice; `undefined`
 * when it matches none.
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  epochSeconds: number,
  options: TotpOptions & { window?: number } = {},
): number | undefined {
  const { digits = 6, step = 30, algorithm = "sha1", window = 1 } = options;
  if (code.length !== digits || !/^\d+$/.test(code)) return undefined;
  const key = base32Decode(secretBase32);
  const current = totpCounter(epochSeconds, step);
  // Nearest step first, so the matched counter is the most plausible one.
  for (const delta of [0, ...Array.from({ length: window }, (_, i) => [-(i + 1), i + 1]).flat()]) {
    const counter = current + delta;
    if (counter < 0) continue;
    // Constant-time compare: the verifier must not leak how many leading digits were right.
    const expected = Buffer.from(hotp(key, counter, digits, algorithm));
    if (timingSafeEqual(expected, Buffer.from(code))) return counter;
  }
  return undefined;
}
