import type { FormatRequest } from "../../core/types.js";

/**
 * Every variable a switch touches. A switch unsets them all, then sets the ones it knows, so no
 * value of the previous profile survives (a stale AWS_SESSION_TOKEN next to new keys breaks every
 * call). `vsw off` unsets exactly this list.
 */
export const SWITCH_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  // Legacy boto name for the token; aws-vault unsets it too so an old one cannot linger.
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_SESSION_EXPIRATION",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  // A profile name next to static keys makes some tools read the profile instead: never export one.
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "VSW_PROFILE",
  "VSW_ACCOUNT_ID",
  "VSW_EXPIRATION",
  "VSW_REGION",
] as const;

export type SwitchVariable = (typeof SWITCH_VARIABLES)[number];

/** The variables a switch exports for these credentials, in a stable order. */
export function exportedVariables(request: FormatRequest): Array<[SwitchVariable, string]> {
  const { credentials: c, region, profile } = request;
  const out: Array<[SwitchVariable, string]> = [
    ["AWS_ACCESS_KEY_ID", c.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", c.secretAccessKey],
  ];
  if (c.sessionToken) out.push(["AWS_SESSION_TOKEN", c.sessionToken]);
  if (c.expiration !== undefined) {
    const rfc3339 = isoSeconds(c.expiration);
    // Both names: the SDKs and starship read AWS_CREDENTIAL_EXPIRATION, aws-vault users AWS_SESSION_EXPIRATION.
    out.push(["AWS_CREDENTIAL_EXPIRATION", rfc3339], ["AWS_SESSION_EXPIRATION", rfc3339]);
  }
  if (region) out.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  out.push(["VSW_PROFILE", profile]);
  if (c.accountId) out.push(["VSW_ACCOUNT_ID", c.accountId]);
  // Epoch seconds: the prompt segment computes time left with shell arithmetic, no date parsing.
  if (c.expiration !== undefined) out.push(["VSW_EXPIRATION", String(Math.floor(c.expiration / 1000))]);
  if (region) out.push(["VSW_REGION", region]);
  return out;
}

/** RFC 3339 in UTC without milliseconds: `2026-11-28T21:00:00Z`. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
