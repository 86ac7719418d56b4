/** RFC 6238 Appendix B: the seeds (ASCII, base32 here), the times and the 8-digit codes per algorithm. */
import { base32Encode } from "../../src/sandbox/totp.js";

const ascii = (text: string) => base32Encode(Buffer.from(text, "ascii"));

/** The RFC's seeds: ASCII digits, 20, 32 and 64 bytes long, base32-encoded. */
export const RFC6238_SEEDS = {
  SHA1: ascii("12345678901234567890"),
  SHA256: ascii("12345678901234567890123456789012"),
  SHA512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
} as const;

/** Each row: Unix time, then the SHA-1, SHA-256 and SHA-512 codes. */
export const RFC6238_VECTORS: ReadonlyArray<readonly [number, string, string, string]> = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];
