/**
 * The profile half of the resolver: `include_profile` merging, the `source_profile` walk with cycle
 * detection, and the per-profile checks. Pure, like `resolve.ts`, which turns the walk into a plan.
 */
import type { AwsConfig, Origin } from "./config.js";
import { commandHint, shellWord, VswError } from "./errors.js";
import { validateProfile, where } from "./resolve-validate.js";
import type { ExternalSourceKind } from "./types.js";

/** Where a value of a resolved profile was read, including the profile that declared it. */
export interface ValueOrigin extends Origin {
  profile: string;
}

/** A profile with `include_profile` applied; empty values count as unset. */
export interface ResolvedProfile {
  name: string;
  values: Record<string, string>;
  origins: Record<string, ValueOrigin>;
}

/** A value that beats the profile's own, and the variable it came from (`AWS_ROLE_ARN`). */
export interface Override {
  value: string;
  from: string;
}

/**
 * aws-vault's environment overrides, already validated: `all` apply to every profile of the chain
 * (`AWS_STS_REGIONAL_ENDPOINTS`, `AWS_ASSUME_ROLE_TTL`), `target` to the target only
 * (`AWS_ROLE_ARN`, `AWS_SESSION_TAGS`, `AWS_TRANSITIVE_TAGS`, `AWS_SOURCE_IDENTITY`).
 */
export interface Overrides {
  all: Readonly<Record<string, Override>>;
  target: Readonly<Record<string, Override>>;
  /**
   * `AWS_WEB_IDENTITY_TOKEN_FILE`, botocore's environment form of web identity: the target's
   * `web_identity_token_file` when the target has a role and no source of its own (see walkChain).
   */
  webIdentity?: Override;
}

/** What the walk needs besides the files. */
export interface ProfileContext {
  config: AwsConfig;
  configFile: string;
  credentialsFile: string;
  storedKeys: ReadonlySet<string>;
  /** Environment values that beat the profiles' own (none when absent). */
  overrides?: Overrides;
}

/** The result of following `source_profile` from the target. */
export interface Chain {
  /** Every profile visited, from the target down to the source. */
  path: ResolvedProfile[];
  /** Where the credentials come from: stored keys or a `credential_process`. */
  source: ResolvedProfile;
  /** Profiles with `role_arn`, source-first: the order of the AssumeRole calls. */
  roles: ResolvedProfile[];
  /** Set when the source is one a plugin must take (`ExternalSourceStep`). */
  external?: ExternalSource;
}

/** A source profile the core cannot fetch credentials for itself, and what to say when no plugin can. */
export interface ExternalSource {
  kind: ExternalSourceKind;
  message: string;
  hint: string;
}

/** Whether `name` is a profile at all: a section in either file, or stored keys. */
export function profileExists(ctx: ProfileContext, name: string): boolean {
  return ctx.config.profiles.has(name) || ctx.storedKeys.has(name);
}

/**
 * Applies `include_profile` recursively: the profile's own values win, included profiles fill the
 * keys it does not set (aws-vault's rule). A cycle is a `VSW_PROFILE_CYCLE` with the path.
 */
export function resolveProfile(
  ctx: ProfileContext,
  name: string,
  path: readonly string[] = [],
): ResolvedProfile {
  if (path.includes(name)) {
    throw new VswError(
      "VSW_PROFILE_CYCLE",
      `Profile "${path[0]}" has an include_profile cycle: ${[...path, name].join(" → ")}.`,
      { hint: "Remove one include_profile line of the cycle." },
    );
  }
  const values = Object.create(null) as Record<string, string>;
  const origins = Object.create(null) as Record<string, ValueOrigin>;
  const own = ctx.config.profiles.get(name);
  for (const [key, value] of Object.entries(own?.values ?? {})) {
    // Why: `region =` with nothing after it is unset, so an included profile may still fill it.
    if (value === "") continue;
    values[key] = value;
    origins[key] = { profile: name, file: own?.origins[key]?.file ?? "", line: own?.origins[key]?.line ?? 0 };
  }
  const resolved: ResolvedProfile = { name, values, origins };
  const include = values.include_profile;
  if (include === undefined) return resolved;
  requireReference(ctx, resolved, "include_profile");
  const base = resolveProfile(ctx, include, [...path, name]);
  for (const [key, value] of Object.entries(base.values)) {
    if (key in values) continue;
    values[key] = value;
    const origin = base.origins[key];
    if (origin) origins[key] = origin;
  }
  return resolved;
}

/**
 * Follows `source_profile` from `target` to the profile that holds the credentials, checking every
 * profile on the way. Cycles are `VSW_PROFILE_CYCLE` errors with the path (aws-vault recursed
 * forever, 99designs#1211).
 */
export function walkChain(ctx: ProfileContext, target: string): Chain {
  const names = [target];
  const path: ResolvedProfile[] = [];
  const roles: ResolvedProfile[] = [];
  let name = target;
  for (;;) {
    const isTarget = path.length === 0;
    let profile = withOverrides(resolveProfile(ctx, name), ctx.overrides, isTarget);
    if (isTarget) profile = withEnvWebIdentity(ctx, profile);
    validateProfile(profile);
    path.push(profile);
    const { role_arn: roleArn, source_profile: next } = profile.values;
    const external = externalSource(profile);
    // Why: web identity yields the role's own credentials; credential_source feeds an AssumeRole.
    if (roleArn !== undefined && external?.kind !== "web_identity" && external?.kind !== "sso") {
      roles.unshift(profile);
    }
    if (external !== undefined) return { path, source: profile, roles, external };
    if (next === undefined) {
      // Why: aws-vault assumes a role with the keys stored under the role profile's own name.
      if (roleArn !== undefined && !ctx.storedKeys.has(name)) {
        throw new VswError(
          "VSW_CONFIG_INVALID",
          `Profile "${name}" sets role_arn ${where(profile, "role_arn")} but no source_profile, and vsw holds no keys for it, so nothing can assume the role.`,
          {
            hint: `Add "source_profile = NAME" naming the profile whose keys assume the role, or store keys for the profile itself with "${commandHint("vsw add", name)}".`,
          },
        );
      }
      return { path, source: profile, roles };
    }
    // Why: the AWS CLI lets a profile name itself as source_profile to mean "my own static keys";
    // without stored keys that is a loop like any other.
    if (next === name && ctx.storedKeys.has(name)) return { path, source: profile, roles };
    if (names.includes(next)) {
      throw new VswError(
        "VSW_PROFILE_CYCLE",
        `Profile "${target}" has a source_profile cycle: ${[...names, next].join(" → ")}.`,
        {
          hint:
            next === name
              ? `A profile may name itself as source_profile only when vsw holds its keys: run "${commandHint("vsw add", name)}".`
              : "Point one source_profile of the cycle at the profile that holds the keys.",
        },
      );
    }
    requireReference(ctx, profile, "source_profile");
    names.push(next);
    name = next;
  }
}

/**
 * Applies the environment overrides to one profile of the chain. Why: aws-vault reads the
 * environment before the file, so a variable beats the profile's own value (and a flag beats both).
 */
function withOverrides(
  profile: ResolvedProfile,
  overrides: Overrides | undefined,
  isTarget: boolean,
): ResolvedProfile {
  if (overrides === undefined) return profile;
  const values = Object.assign(Object.create(null) as Record<string, string>, profile.values);
  const origins = Object.assign(Object.create(null) as Record<string, ValueOrigin>, profile.origins);
  const apply = isTarget ? { ...overrides.all, ...overrides.target } : overrides.all;
  for (const [key, { value, from }] of Object.entries(apply)) {
    values[key] = value;
    origins[key] = { profile: profile.name, file: from, line: 0 };
  }
  return { name: profile.name, values, origins };
}

/**
 * The environment form of web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` or the
 * profile's `role_arn`). Why only for a target with a role and no source of its own (no
 * `source_profile`, `credential_source`, `credential_process`, `sso_*` keys or stored keys): botocore
 * reads these variables when no profile credential applies; a variable left set in a pod or a CI
 * job must not silently replace the keys or source a profile names. The variable beats the
 * profile's own `web_identity_token_file`, as in botocore.
 */
function withEnvWebIdentity(ctx: ProfileContext, profile: ResolvedProfile): ResolvedProfile {
  const override = ctx.overrides?.webIdentity;
  const { values } = profile;
  if (override === undefined || values.role_arn === undefined || ctx.storedKeys.has(profile.name)) {
    return profile;
  }
  const owned = ["source_profile", "credential_source", "credential_process", ...SSO_KEYS];
  if (owned.some((key) => values[key] !== undefined)) return profile;
  const out = withOverrides(profile, { all: {}, target: {} }, false);
  out.values.web_identity_token_file = override.value;
  out.origins.web_identity_token_file = { profile: profile.name, file: override.from, line: 0 };
  return out;
}

function requireReference(ctx: ProfileContext, profile: ResolvedProfile, key: string): void {
  const ref = profile.values[key] ?? "";
  if (profileExists(ctx, ref)) return;
  throw new VswError(
    "VSW_CONFIG_INVALID",
    `Profile "${profile.name}" names ${key} "${ref}" ${where(profile, key)}, which is in neither "${ctx.configFile}" nor "${ctx.credentialsFile}" and has no stored keys.`,
    {
      hint: `Add [profile ${ref}] to the config file, or store its keys with "${commandHint("vsw add", ref)}".`,
    },
  );
}

const SSO_KEYS = ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name"];

/**
 * The kind of source a profile is when the core cannot fetch its credentials itself, with the
 * error a plan that still holds it after the `plan` hook gives. The AWS CLI's precedence: with
 * `role_arn`, `source_profile` wins, then `credential_source`, then `web_identity_token_file`;
 * without `role_arn`, the `sso_*` keys.
 */
function externalSource(profile: ResolvedProfile): ExternalSource | undefined {
  const { name, values } = profile;
  if (values.role_arn !== undefined) {
    if (values.source_profile !== undefined && values.credential_source !== undefined) {
      throw new VswError(
        "VSW_CONFIG_INVALID",
        `Profile "${name}" sets both source_profile ${where(profile, "source_profile")} and credential_source ${where(profile, "credential_source")}; the AWS CLI refuses that too.`,
        { hint: `Keep one of the two lines in [profile ${name}].` },
      );
    }
    if (values.source_profile !== undefined) return undefined;
    if (values.credential_source !== undefined) {
      return {
        kind: "credential_source",
        message: `Profile "${name}" sets credential_source "${values.credential_source}" ${where(profile, "credential_source")}, which no loaded plugin supports.`,
        hint: `Replace credential_source with "source_profile = NAME" naming a profile with stored keys.`,
      };
    }
    if (values.web_identity_token_file !== undefined) {
      return {
        kind: "web_identity",
        message: `Profile "${name}" sets web_identity_token_file ${where(profile, "web_identity_token_file")}, which no loaded plugin supports.`,
        hint: "Let the AWS SDK read the token file directly.",
      };
    }
    return undefined;
  }
  const sso = SSO_KEYS.find((key) => values[key] !== undefined);
  if (sso !== undefined) {
    return {
      kind: "sso",
      message: `Profile "${name}" uses AWS IAM Identity Center: ${sso} ${where(profile, sso)}, which no loaded plugin supports.`,
      hint: `Use the AWS CLI for this profile: "aws sso login --profile=${shellWord(name)}".`,
    };
  }
  if (values.credential_source !== undefined || values.web_identity_token_file !== undefined) {
    const key = values.credential_source !== undefined ? "credential_source" : "web_identity_token_file";
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `Profile "${name}" sets ${key} ${where(profile, key)} but no role_arn, so there is no role to assume with it.`,
      { hint: `Add "role_arn = arn:aws:iam::ACCOUNT:role/NAME" to [profile ${name}].` },
    );
  }
  return undefined;
}
