import type { FormatRequest } from "../../plugin.js";
import { isInvisible } from "./shell-quote.js";

/**
 * The user's own settings a switch replaces, saved on the first switch and restored by `vsw off`.
 * A switch must unset them (a region of the previous profile, or an AWS_PROFILE next to env keys,
 * which botocore then prefers over the keys), but they are the user's, not the switch's.
 */
export const RESTORED_VARIABLES = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
] as const;
export type RestoredVariable = (typeof RESTORED_VARIABLES)[number];

/**
 * `VSW_SAVED=1` marks a shell whose originals are saved: then `VSW_SAVED_<NAME>` holds the user's
 * value of NAME from before the first switch (possibly empty), and its absence means NAME was unset.
 */
const SAVED_MARK = "VSW_SAVED";
const savedName = (name: RestoredVariable) => `VSW_SAVED_${name}` as const;

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
  // The profile's name for prompt tools (starship, powerlevel10k), as aws-vault sets it.
  "AWS_VAULT",
  "VSW_PROFILE",
  "VSW_ACCOUNT_ID",
  "VSW_EXPIRATION",
  "VSW_REGION",
  SAVED_MARK,
  ...RESTORED_VARIABLES.map(savedName),
] as const;

export type SwitchVariable = (typeof SWITCH_VARIABLES)[number];

/**
 * The user's own values of RESTORED_VARIABLES, as they were before the first switch: the saved
 * ones in a switched shell, else the current ones. A shell switched by a vsw that saved nothing
 * (VSW_PROFILE without VSW_SAVED) has only the switch's values, so it counts as none.
 */
export function userValues(
  env: Readonly<Record<string, string | undefined>>,
): Array<[RestoredVariable, string]> {
  const saved = env[SAVED_MARK] === "1";
  if (!saved && env.VSW_PROFILE) return [];
  const out: Array<[RestoredVariable, string]> = [];
  for (const name of RESTORED_VARIABLES) {
    const value = saved ? env[savedName(name)] : env[name];
    if (value !== undefined) out.push([name, value]);
  }
  return out;
}

/**
 * The environment as the user set it, for the resolver: RESTORED_VARIABLES hold the user's own
 * values (so `AWS_REGION` means the same before and after any number of switches), and the
 * switch's VSW_REGION is gone.
 */
export function userEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const own = userValues(env);
  for (const name of RESTORED_VARIABLES) delete out[name];
  delete out.VSW_REGION;
  for (const [name, value] of own) out[name] = value;
  return out;
}

/** What a switch exports to remember the user's own values (`userValues`) for `vsw off`. */
export function savedVariables(
  env: Readonly<Record<string, string | undefined>>,
): Array<[SwitchVariable, string]> {
  return [
    [SAVED_MARK, "1"],
    ...userValues(env).map(([name, value]): [SwitchVariable, string] => [savedName(name), value]),
  ];
}

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
  // Control and bidi characters shown as `?`: prompt tools print this raw (VSW_PROFILE stays exact).
  out.push(["AWS_VAULT", [...profile].map((c) => (isInvisible(c.codePointAt(0) ?? 0) ? "?" : c)).join("")]);
  out.push(["VSW_PROFILE", profile]);
  if (c.accountId) out.push(["VSW_ACCOUNT_ID", c.accountId]);
  // Epoch seconds: the prompt segment computes time left with shell arithmetic, no date parsing.
  if (c.expiration !== undefined) out.push(["VSW_EXPIRATION", String(Math.floor(c.expiration / 1000))]);
  if (region) out.push(["VSW_REGION", region]);
  return out;
}

/**
 * RFC 3339 in UTC without milliseconds: `2026-11-28T21:00:00Z`. From the UTC fields rather than
 * `toISOString`, whose first call in a process costs ~0.2 ms of a switch; years outside 0–9999
 * (and an invalid time, which throws) take `toISOString`'s own way.
 */
export function isoSeconds(epochMs: number): string {
  const date = new Date(Math.floor(epochMs / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString().replace(".000Z", "Z");
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  const day = `${String(year).padStart(4, "0")}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  return `${day}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`;
}
