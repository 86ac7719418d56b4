/**
 * Offline checks of the values the resolver honours, so a typo fails at plan time with the file and
 * line instead of as an STS error after an MFA prompt. Patterns follow the STS API reference.
 */
import { VswError } from "./errors.js";
import type { ResolvedProfile } from "./resolve-profile.js";

interface Rule {
  test: (value: string) => boolean;
  expected: string;
  /** Never echo the value (an external ID is a shared secret between two accounts). */
  secret?: boolean;
}

/** STS limits: AssumeRole takes 900 to 43200 s, GetSessionToken 900 to 129600 s. */
export const ROLE_MAX = 43200;
export const SESSION_TOKEN_MAX = 129600;

/** A role session name and a source identity share STS's pattern `[\w+=,.@-]{2,64}`. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** Checks of the honoured keys; unknown keys are ignored, as the AWS CLI does. */
export const RULES: Readonly<Record<string, Rule>> = {
  duration_seconds: {
    test: (v) => /^\d+$/.test(v) && Number(v) >= 900 && Number(v) <= ROLE_MAX,
    expected: "whole seconds from 900 to 43200",
  },
  role_arn: {
    test: (v) => /^arn:aws[-a-z]*:iam::\d{12}:role\/.+$/.test(v),
    expected: "an IAM role ARN like arn:aws:iam::123456789012:role/NAME",
  },
  mfa_serial: {
    // Why: a hardware token is named by its printed serial (e.g. GAHT12345678) instead of an ARN;
    // STS takes 9 to 256 characters.
    test: (v) => /^arn:aws[-a-z]*:iam::\d{12}:mfa\/.+$/.test(v) || /^[A-Z0-9]{9,256}$/.test(v),
    expected: "an MFA device ARN like arn:aws:iam::123456789012:mfa/NAME or a hardware token serial",
  },
  session_tags: { test: (v) => parseTags(v) !== undefined, expected: "up to 50 distinct key=value pairs" },
  transitive_session_tags: { test: (v) => parseKeys(v) !== undefined, expected: "comma-separated tag keys" },
  role_session_name: {
    test: (v) => SESSION_NAME.test(v),
    expected: "2 to 64 of the characters A-Z a-z 0-9 _+=,.@-",
  },
  source_identity: {
    test: (v) => SESSION_NAME.test(v),
    expected: "2 to 64 of the characters A-Z a-z 0-9 _+=,.@-",
  },
  region: {
    // Why: loose on purpose (us-isob-east-1, aws-global); catches "eu west 1", "EU-WEST-1" and URLs.
    test: (v) => /^[a-z]{2,}(?:-[a-z0-9]+)+$/.test(v),
    expected: "a region name like eu-west-1",
  },
  external_id: {
    test: (v) => /^[\w=,.@:/-]{2,1224}$/.test(v),
    expected: "2 to 1224 of the characters A-Z a-z 0-9 _=,.@:/-",
    secret: true,
  },
  sts_regional_endpoints: { test: (v) => v === "legacy" || v === "regional", expected: "legacy or regional" },
  endpoint_url: { test: (v) => /^https?:\/\/[^\s/]+/.test(v), expected: "an http:// or https:// URL" },
};

/** Checks every honoured key `profile` sets; a bad one is `VSW_CONFIG_INVALID` naming file, profile and key. */
export function validateProfile(profile: ResolvedProfile): void {
  for (const [key, value] of Object.entries(profile.values)) {
    const rule = RULES[key];
    if (rule && !rule.test(value)) {
      const shown = rule.secret ? `(value not shown, ${value.length} characters)` : `"${value}"`;
      throw new VswError(
        "VSW_CONFIG_INVALID",
        `Profile "${profile.name}" has an invalid ${key} ${shown} ${where(profile, key)}: expected ${rule.expected}.`,
        { hint: `Fix ${key} in the file and line named above.` },
      );
    }
  }
  // Why: STS rejects a transitive key that is not also a session tag of the same call; say so offline.
  const transitive = parseKeys(profile.values.transitive_session_tags ?? "") ?? [];
  const tagged = new Set(Object.keys(parseTags(profile.values.session_tags ?? "") ?? {}).map(lower));
  const missing = transitive.filter((key) => !tagged.has(lower(key)));
  if (missing.length > 0) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `Profile "${profile.name}" has transitive_session_tags ${where(profile, "transitive_session_tags")} naming ${missing.map((k) => `"${k}"`).join(", ")}, which session_tags does not set.`,
      { hint: "List in transitive_session_tags only keys that session_tags sets." },
    );
  }
}

/**
 * Checks a value that came from a flag or the environment instead of a file: `VSW_USAGE` for a flag
 * (the user typed it just now), `VSW_CONFIG_INVALID` for a variable.
 */
export function validateOverride(key: string, value: string, from: string): void {
  const rule = RULES[key];
  if (!rule || rule.test(value)) return;
  const isFlag = from.startsWith("--");
  throw new VswError(
    isFlag ? "VSW_USAGE" : "VSW_CONFIG_INVALID",
    `${from} "${value}" is not valid: expected ${rule.expected}.`,
    {
      hint: isFlag ? `Fix the value of ${from}.` : `Fix or unset the environment variable ${from}.`,
    },
  );
}

/**
 * `k=v, k2 = v2,` → `{ k: "v", k2: "v2" }`; `undefined` when malformed, duplicated (STS keys ignore
 * case) or over 50. Spaces around keys and values and empty items (a trailing comma) are ignored,
 * as aws-vault writes and reads them.
 */
export function parseTags(text: string): Record<string, string> | undefined {
  const tags = Object.create(null) as Record<string, string>;
  const seen = new Set<string>();
  const parts = text.split(",").filter((part) => part.trim() !== "");
  for (const part of parts) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || key === "" || key.length > 128 || value.length > 256 || seen.has(lower(key)))
      return undefined;
    seen.add(lower(key));
    tags[key] = value;
  }
  return parts.length > 50 ? undefined : tags;
}

/** `k, k2,` → `["k", "k2"]` (spaces and empty items ignored, as aws-vault does); `undefined` when over 50. */
export function parseKeys(text: string): string[] | undefined {
  const keys = text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
  return keys.some((key) => key.length > 128) || keys.length > 50 ? undefined : keys;
}

/** Describes where a key of a profile was read: `(/home/me/.aws/config, line 4)`. */
export function where(profile: ResolvedProfile, key: string): string {
  const origin = profile.origins[key];
  if (!origin) return "";
  // Line 0: the value came from an environment variable, named in `file`.
  if (origin.line === 0) return `(from ${origin.file})`;
  const via = origin.profile === profile.name ? "" : `from include_profile "${origin.profile}", `;
  return `(${via}${origin.file}, line ${origin.line})`;
}

function lower(text: string): string {
  return text.toLowerCase();
}
