/**
 * aws-vault's environment overrides (its `populateFromEnv`), read into the resolver's terms: the
 * TTL variables as seconds, the others as profile values that beat the file's. Pure: the environment
 * arrives in the input.
 */
import { parseDuration } from "./duration.js";
import { VswError } from "./errors.js";
import type { Override, Overrides } from "./resolve-profile.js";
import { ROLE_MAX, SESSION_TOKEN_MAX, validateOverride } from "./resolve-validate.js";
import type { ResolveInput } from "./types.js";

/** STS ranges of the TTL variables: AssumeRole 15 min to 12 h, GetSessionToken 15 min to 36 h. */
const TTL_LIMITS: Readonly<Record<string, number>> = {
  AWS_ASSUME_ROLE_TTL: ROLE_MAX,
  AWS_SESSION_TOKEN_TTL: SESSION_TOKEN_MAX,
  AWS_CHAINED_SESSION_TOKEN_TTL: SESSION_TOKEN_MAX,
};

/**
 * aws-vault's TTL variable `name` in seconds (`1h`, `90m`, `3600s`, `3600`), or `undefined` when
 * unset or empty. A value that is not a duration, or out of STS's range, is `VSW_CONFIG_INVALID`
 * (aws-vault silently used its default instead).
 */
export function envDuration(input: ResolveInput, name: string): number | undefined {
  const text = nonEmpty(input.env[name]);
  if (text === undefined) return undefined;
  const max = TTL_LIMITS[name] ?? ROLE_MAX;
  let seconds: number | undefined;
  try {
    seconds = parseDuration(text);
  } catch {
    seconds = undefined;
  }
  if (seconds !== undefined && seconds >= 900 && seconds <= max) return seconds;
  throw new VswError(
    "VSW_CONFIG_INVALID",
    `${name} "${text}" is not valid: expected a duration from 15m to ${max / 3600}h.`,
    { hint: `Fix or unset the environment variable ${name}.` },
  );
}

/** Keys set from aws-vault's variables; the region and MFA serial variables are read where they apply. */
const TARGET_VARIABLES: ReadonlyArray<[string, string]> = [
  ["AWS_ROLE_ARN", "role_arn"],
  ["AWS_SESSION_TAGS", "session_tags"],
  ["AWS_TRANSITIVE_TAGS", "transitive_session_tags"],
  ["AWS_SOURCE_IDENTITY", "source_identity"],
];

/**
 * aws-vault's environment overrides, checked here so a bad value names its variable. Why the split:
 * aws-vault applies `AWS_ROLE_ARN`, the tags and the source identity to the target profile only, and
 * `AWS_STS_REGIONAL_ENDPOINTS` and `AWS_ASSUME_ROLE_TTL` to every profile it loads.
 */
export function envOverrides(input: ResolveInput): Overrides {
  const all: Record<string, Override> = {};
  const target: Record<string, Override> = {};
  const endpoints = nonEmpty(input.env.AWS_STS_REGIONAL_ENDPOINTS);
  if (endpoints !== undefined) {
    validateOverride("sts_regional_endpoints", endpoints, "AWS_STS_REGIONAL_ENDPOINTS");
    all.sts_regional_endpoints = { value: endpoints, from: "AWS_STS_REGIONAL_ENDPOINTS" };
  }
  const roleTtl = envDuration(input, "AWS_ASSUME_ROLE_TTL");
  if (roleTtl !== undefined) all.duration_seconds = { value: String(roleTtl), from: "AWS_ASSUME_ROLE_TTL" };
  for (const [name, key] of TARGET_VARIABLES) {
    const value = nonEmpty(input.env[name]);
    if (value === undefined) continue;
    validateOverride(key, value, name);
    target[key] = { value, from: name };
  }
  const tokenFile = nonEmpty(input.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  const webIdentity =
    tokenFile === undefined ? undefined : { value: tokenFile, from: "AWS_WEB_IDENTITY_TOKEN_FILE" };
  return { all, target, ...(webIdentity ? { webIdentity } : {}) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
