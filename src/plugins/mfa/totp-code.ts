/**
 * TOTP codes from a stored secret, computed by the `otpauth` library (RFC 4226/6238, node:crypto
 * HMAC). The library is imported here only, when a code is computed: a cached session never loads it.
 */
import type { TotpSettings } from "./totp-secret.js";

/**
 * The code of time step `step` (RFC 6238: the HOTP code of counter floor(t / period)), with the
 * secret's digits and algorithm.
 */
export async function totpCodeAt(settings: TotpSettings, step: number): Promise<string> {
  const { HOTP, Secret } = await import("otpauth");
  return HOTP.generate({
    secret: Secret.fromBase32(settings.secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    counter: step,
  });
}

/** The time step `epochMs` falls in for a period of `period` seconds. */
export const timeStep = (epochMs: number, period: number): number => Math.floor(epochMs / 1000 / period);
