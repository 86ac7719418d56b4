/**
 * The TOTP secret of an MFA device as vsw keeps it: the keystore item `mfa/totp/<serial>` holding
 * `{ secret, digits, period, algorithm, addedAt }`, read from a base32 secret or an
 * `otpauth://totp/…` URI. Pure: no library, no I/O. Messages never quote the secret.
 */
import { VswError } from "../../plugin.js";

/** HMAC algorithms of RFC 6238 §1.2, as otpauth URIs spell them. */
export type TotpAlgorithm = "SHA1" | "SHA256" | "SHA512";

/** What `vsw mfa add` stores (JSON) under {@link totpItem}. */
export interface TotpRecord {
  /** The shared secret, base32 (RFC 4648), upper case, no spaces or padding. */
  secret: string;
  digits: number;
  /** Time step in seconds. */
  period: number;
  algorithm: TotpAlgorithm;
  /** When it was stored (epoch ms). */
  addedAt: number;
}

/** The settings of a secret, without its storage time. */
export type TotpSettings = Omit<TotpRecord, "addedAt">;

/** The keystore item of the TOTP secret of MFA device `serial`. */
export const totpItem = (serial: string): string => `mfa/totp/${serial}`;

/** What AWS virtual MFA devices use, and what an otpauth URI means when it says nothing. */
export const TOTP_DEFAULTS = { digits: 6, period: 30, algorithm: "SHA1" } as const;

/** A secret shorter than this (80 bits) is refused: RFC 4226 §4 asks for 128 bits, common issuers give 80 or more. */
const MIN_SECRET_CHARS = 16;
const MAX_PERIOD_SECONDS = 300;

/**
 * Reads a base32 secret or an `otpauth://totp/…` URI (label and issuer ignored; `secret`,
 * `digits`, `period`, `algorithm` honoured). An `otpauth://hotp/…` URI and malformed base32 are
 * refused with `VSW_TOTP_INVALID`, never quoting the text.
 */
export function parseTotpInput(text: string): TotpSettings {
  const trimmed = text.trim();
  if (/^otpauth:/i.test(trimmed)) return parseOtpauthUri(trimmed);
  return { ...TOTP_DEFAULTS, secret: normaliseBase32(trimmed, "The secret") };
}

function parseOtpauthUri(text: string): TotpSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("The otpauth:// URI is not a valid URI.");
  }
  const kind = url.host.toLowerCase();
  if (kind === "hotp") {
    throw invalid(
      "The otpauth:// URI is for a counter-based (HOTP) token; AWS MFA needs a time-based (TOTP) one.",
    );
  }
  if (kind !== "totp") throw invalid("The otpauth:// URI must be of the form otpauth://totp/LABEL?secret=….");
  const params = url.searchParams;
  const secret = params.get("secret");
  if (!secret) throw invalid("The otpauth:// URI has no secret parameter.");
  const digits = integer(params.get("digits"), "digits", TOTP_DEFAULTS.digits);
  if (digits < 6 || digits > 10) throw invalid(`The otpauth:// URI's digits must be 6 to 10, not ${digits}.`);
  const period = integer(params.get("period"), "period", TOTP_DEFAULTS.period);
  if (period < 1 || period > MAX_PERIOD_SECONDS) {
    throw invalid(`The otpauth:// URI's period must be 1 to ${MAX_PERIOD_SECONDS} seconds, not ${period}.`);
  }
  return {
    secret: normaliseBase32(secret, "The URI's secret"),
    digits,
    period,
    algorithm: algorithm(params.get("algorithm")),
  };
}

function integer(value: string | null, name: string, fallback: number): number {
  if (value === null || value === "") return fallback;
  if (!/^\d{1,6}$/.test(value.trim())) throw invalid(`The otpauth:// URI's ${name} must be a whole number.`);
  return Number(value.trim());
}

function algorithm(value: string | null): TotpAlgorithm {
  if (value === null || value === "") return TOTP_DEFAULTS.algorithm;
  const name = value.trim().toUpperCase().replace(/-/g, "");
  if (name === "SHA1" || name === "SHA256" || name === "SHA512") return name;
  // The value is a parameter name like SHA1, never the secret: safe to quote (escaped by the reporter).
  throw invalid(`The otpauth:// URI's algorithm "${value.slice(0, 20)}" is not SHA1, SHA256 or SHA512.`);
}

/**
 * Upper case, without the spaces, dashes and `=` padding authenticator apps show. Refuses a
 * character outside A–Z/2–7, a length no base32 text can have, and a secret under 80 bits.
 */
export function normaliseBase32(text: string, what: string): string {
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  if (clean === "") throw invalid(`${what} is empty.`);
  // What the character is would hint at the secret: say only that there is one.
  if (!/^[A-Z2-7]+$/.test(clean))
    throw invalid(`${what} is not base32: it has characters outside A-Z and 2-7.`);
  // RFC 4648 §6: 8 characters carry 5 bytes; a last group of 1, 3 or 6 characters is no whole byte.
  if ([1, 3, 6].includes(clean.length % 8))
    throw invalid(`${what} is not base32: its length is not possible.`);
  if (clean.length < MIN_SECRET_CHARS) {
    throw invalid(`${what} is too short for a TOTP secret (at least ${MIN_SECRET_CHARS} base32 characters).`);
  }
  return clean;
}

/**
 * The stored record, checked (a damaged or hand-edited item says so rather than producing wrong
 * codes). The secret never appears in the error.
 */
export function parseTotpRecord(text: string, serial: string): TotpRecord {
  let data: Partial<TotpRecord> | undefined;
  try {
    data = JSON.parse(text) as Partial<TotpRecord>;
  } catch {}
  const ok =
    !!data &&
    typeof data.secret === "string" &&
    /^[A-Z2-7]{16,}$/.test(data.secret) &&
    Number.isInteger(data.digits) &&
    Number.isInteger(data.period) &&
    (data.period as number) > 0 &&
    (data.algorithm === "SHA1" || data.algorithm === "SHA256" || data.algorithm === "SHA512");
  if (!ok) {
    throw new VswError("VSW_TOTP_INVALID", `The stored TOTP secret of "${serial}" is damaged.`, {
      hint: "Store it again with vsw mfa add PROFILE --force.",
    });
  }
  return data as TotpRecord;
}

function invalid(message: string): VswError {
  return new VswError("VSW_TOTP_INVALID", message, {
    hint: 'Give the base32 secret AWS showed ("Show secret key") or the otpauth://totp/ URI of its QR code.',
  });
}
