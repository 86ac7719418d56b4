/**
 * The pure profile resolver: config text, credentials text, the names with stored keys, the
 * environment and the flags in; an ordered plan out (docs/credential-semantics.md, "The plan").
 * No I/O, no `process.env`: `vsw plan` prints the result and tests assert on it offline.
 */
import { type AwsConfig, loadAwsConfig } from "./config.js";
import { indexedAwsConfig, indexFits } from "./config-index.js";
import { commandHint, VswError } from "./errors.js";
import { envDuration, envOverrides } from "./resolve-env.js";
import {
  type Chain,
  type ExternalSource,
  type ProfileContext,
  profileExists,
  type ResolvedProfile,
  walkChain,
} from "./resolve-profile.js";
import {
  parseKeys,
  parseTags,
  ROLE_MAX,
  SESSION_TOKEN_MAX,
  validateOverride,
  where,
} from "./resolve-validate.js";
import type {
  AssumeRoleStep,
  ExternalSourceStep,
  GetSessionTokenStep,
  Plan,
  ResolveInput,
  SessionStep,
  SourceStep,
  StsTarget,
} from "./types.js";

/** AWS caps AssumeRole at 1 h when the caller holds temporary credentials ("role chaining"). */
const CHAINED_MAX = 3600;
/** Default length of the last session, AssumeRole or GetSessionToken (aws-vault's and the CLI's). */
const DEFAULT_DURATION = 3600;
/** A GetSessionToken session that only feeds roles lives 8 h, so one MFA code serves a working day. */
const FEEDER_DURATION = 28800;

/**
 * Turns `input.profile` into a plan: a source step (stored keys or `credential_process`) followed by
 * the STS calls that lead to the profile's credentials, each with its MFA serial and duration.
 * Throws `VswError` (`VSW_PROFILE_NOT_FOUND`, `VSW_PROFILE_CYCLE`, `VSW_CONFIG_INVALID`,
 * `VSW_CONFIG_UNSUPPORTED`, `VSW_USAGE`) instead of guessing.
 */
export function resolvePlan(input: ResolveInput): Plan {
  const ctx: ProfileContext = {
    config: parsedConfig(input),
    configFile: input.configFile,
    credentialsFile: input.credentialsFile,
    storedKeys: input.storedKeys,
    overrides: envOverrides(input),
  };
  if (!profileExists(ctx, input.profile)) throw notFound(ctx, input.profile);
  const chain = walkChain(ctx, input.profile);
  const target = chain.path[0] ?? chain.source;
  const region = resolveRegion(target, input);
  return { profile: input.profile, region, steps: buildSteps({ input, ctx, chain, target, region }) };
}

/** Per-plan context of the step builders. */
interface Planner {
  input: ResolveInput;
  ctx: ProfileContext;
  chain: Chain;
  target: ResolvedProfile;
  region: string | null;
}

type Serial = { mfaSerial: string | null; mfaProcess: string | null; mfaOptions?: Record<string, string> };

/**
 * The MFA serial of the step made for `profile`. Why: `--mfa-serial` and `AWS_MFA_SERIAL` set the
 * serial of every profile of the chain, as aws-vault's `AWS_MFA_SERIAL` does, so the source's 8 h
 * GetSessionToken session carries the MFA and feeds every role without a prompt per switch;
 * `mfa_process` belongs to the serial the profile declares, so an overriding serial gets none.
 */
function serialFor(p: Planner, profile: ResolvedProfile): Serial {
  const configured = profile.values.mfa_serial ?? null;
  const flag = nonEmpty(p.input.flags.mfaSerial);
  const fromEnv = nonEmpty(p.input.env.AWS_MFA_SERIAL);
  if (flag !== undefined) validateOverride("mfa_serial", flag, "--mfa-serial");
  else if (fromEnv !== undefined) validateOverride("mfa_serial", fromEnv, "AWS_MFA_SERIAL");
  const mfaSerial = flag ?? fromEnv ?? configured;
  const declared = mfaSerial !== null && mfaSerial === configured;
  if (!declared) return { mfaSerial, mfaProcess: null };
  // Why: one device gives one kind of code. A role naming its source's serial (the usual aws-vault
  // layout) but no mfa_process of its own uses the source's, e.g. when it is assumed directly for > 1 h.
  const source = p.chain.source.values;
  const shared = source.mfa_serial === mfaSerial;
  const inherited = shared ? (source.mfa_process ?? null) : null;
  const mfaOptions = { ...(shared ? mfaSettings(source) : {}), ...mfaSettings(profile.values) };
  return {
    mfaSerial,
    mfaProcess: profile.values.mfa_process ?? inherited,
    ...(Object.keys(mfaOptions).length ? { mfaOptions } : {}),
  };
}

/** The `mfa_*` settings of a profile other than `mfa_serial` and `mfa_process` (carried apart). */
function mfaSettings(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter(
      ([key]) => key.startsWith("mfa_") && key !== "mfa_serial" && key !== "mfa_process",
    ),
  );
}

/** Precedence for the last step: `--duration` > `duration_seconds` > 1 h; earlier steps skip the flag. */
function durationFor(p: Planner, profile: ResolvedProfile, last: boolean): number {
  const configured = profile.values.duration_seconds;
  const flag = last ? p.input.flags.durationSeconds : undefined;
  return flag ?? (configured === undefined ? DEFAULT_DURATION : Number(configured));
}

/**
 * Where the STS call for `profile` goes. The last step uses the plan's region (flag > env >
 * profile); an earlier step its own profile's region, else the plan's, as the AWS CLI sends every
 * call of a chain to the selected profile's region. Endpoint settings fall back to the target's.
 */
function stsFor(p: Planner, profile: ResolvedProfile, last: boolean): Omit<StsTarget, "mfaProcess"> {
  return {
    region: last ? p.region : (profile.values.region ?? p.region),
    endpointUrl: endpointOf(p, profile) ?? endpointOf(p, p.target),
    stsRegionalEndpoints:
      profile.values.sts_regional_endpoints ?? p.target.values.sts_regional_endpoints ?? null,
  };
}

/** Why: AWS documents a `[services]` block's `sts = endpoint_url` as beating the profile's `endpoint_url`. */
function endpointOf(p: Planner, profile: ResolvedProfile): string | null {
  const block = profile.values.services;
  const scoped =
    block === undefined ? undefined : p.ctx.config.services.get(block)?.values["sts.endpoint_url"];
  return nonEmpty(scoped) ?? profile.values.endpoint_url ?? null;
}

/** Why: the session name shows in CloudTrail; flag > `AWS_ROLE_SESSION_NAME` > profile > user-derived. */
function sessionNameFor(p: Planner, profile: ResolvedProfile, last: boolean): string {
  const { flags, env } = p.input;
  const flag = last ? nonEmpty(flags.roleSessionName) : undefined;
  const fromEnv = last ? nonEmpty(env.AWS_ROLE_SESSION_NAME) : undefined;
  if (flag !== undefined) validateOverride("role_session_name", flag, "--role-session-name");
  else if (fromEnv !== undefined) validateOverride("role_session_name", fromEnv, "AWS_ROLE_SESSION_NAME");
  return (
    flag ??
    fromEnv ??
    profile.values.role_session_name ??
    defaultSessionName(nonEmpty(env.USER) ?? env.USERNAME)
  );
}

function buildSteps(p: Planner): [SourceStep, ...SessionStep[]] {
  const { source, roles, external } = p.chain;
  const { flags, storedKeys } = p.input;
  const command = source.values.credential_process;
  const sourceStep: SourceStep =
    external !== undefined
      ? externalStep(p, source, external)
      : command === undefined
        ? { type: "keys", profile: source.name, stored: storedKeys.has(source.name) }
        : { type: "credential_process", profile: source.name, command };
  const last = roles.at(-1);
  if (sourceStep.type === "external" && external !== undefined) {
    if (last === undefined) return [sourceStep];
    checkFlagDuration(p, ROLE_MAX, "AssumeRole");
    // Why: IAM Identity Center, web identity and instance or container credentials are role
    // sessions, so a role assumed with them is chained (≤ 1 h); `Environment` may hold either kind.
    let temporary = !(
      external.kind === "credential_source" && source.values.credential_source === "Environment"
    );
    const steps: [SourceStep, ...SessionStep[]] = [sourceStep];
    let mfaDone: string | null = null;
    for (const role of roles) {
      const serial = serialFor(p, role);
      const ask = serial.mfaSerial !== null && serial.mfaSerial !== mfaDone;
      if (ask) mfaDone = serial.mfaSerial;
      const isLast = role === last;
      steps.push(
        assumeRole(
          p,
          role,
          isLast,
          ask ? serial : { mfaSerial: null, mfaProcess: null },
          durationFor(p, role, isLast),
          temporary,
        ),
      );
      temporary = true;
    }
    return steps;
  }
  // Why: --no-session is aws-vault's "no GetSessionToken": the stored keys themselves for a
  // profile without a role, and for a role the AssumeRole straight from the stored keys.
  if (flags.noSession && last === undefined) return [sourceStep];
  if (last === undefined) {
    // A credential_process hands out what it hands out; GetSessionToken on temporary keys would fail.
    if (sourceStep.type === "credential_process") return [sourceStep];
    checkFlagDuration(p, SESSION_TOKEN_MAX, "GetSessionToken");
    // Why: duration_seconds is the *role* session's length (AWS CLI docs, aws-vault's
    // AssumeRoleDuration); a GetSessionToken session takes --duration, else AWS_SESSION_TOKEN_TTL,
    // else 1 h, as in aws-vault.
    const duration =
      flags.durationSeconds ?? envDuration(p.input, "AWS_SESSION_TOKEN_TTL") ?? DEFAULT_DURATION;
    const holder = aliasSerialHolder(p.chain);
    return [sourceStep, sessionToken(p, holder, serialFor(p, holder), duration, true)];
  }
  checkFlagDuration(p, ROLE_MAX, "AssumeRole");
  const steps: [SourceStep, ...SessionStep[]] = [sourceStep];
  // The serial whose MFA the current credentials already carry, and whether they are temporary.
  // Why: a credential_process source counts as long-lived (chained: false): its output may be either,
  // and asking for the full duration lets STS decide instead of silently capping a key's session.
  let mfaDone: string | null = null;
  let temporary = false;
  const first = roles[0];
  if (first !== undefined && sourceStep.type === "keys" && !flags.noSession) {
    const sourceSerial = serialFor(p, source);
    // Why: the aws-vault rule: when the first role shares its source's serial and stays within 1 h,
    // one MFA'd GetSessionToken (8 h) feeds every such role without asking for MFA again. Asking for
    // more than 1 h skips it, because a role assumed with temporary credentials is capped at 1 h.
    if (
      sourceSerial.mfaSerial !== null &&
      serialFor(p, first).mfaSerial === sourceSerial.mfaSerial &&
      durationFor(p, first, first === last) <= CHAINED_MAX
    ) {
      const feeder = envDuration(p.input, "AWS_CHAINED_SESSION_TOKEN_TTL") ?? FEEDER_DURATION;
      steps.push(sessionToken(p, source, sourceSerial, feeder, false));
      mfaDone = sourceSerial.mfaSerial;
      temporary = true;
    }
  }
  for (const role of roles) {
    const isLast = role === last;
    const serial = serialFor(p, role);
    // Why: credentials that already carry this serial's MFA need no second code ("MFA once").
    const ask = serial.mfaSerial !== null && serial.mfaSerial !== mfaDone;
    if (ask) mfaDone = serial.mfaSerial;
    const duration = durationFor(p, role, isLast);
    steps.push(
      assumeRole(p, role, isLast, ask ? serial : { mfaSerial: null, mfaProcess: null }, duration, temporary),
    );
    temporary = true;
  }
  return steps;
}

/** Keys of a profile that hold secrets: never copied into a plan. */
const SECRET_KEYS = new Set(["aws_secret_access_key", "aws_session_token", "aws_security_token"]);

/** The placeholder a plugin's `plan` tap replaces (types.ts: ExternalSourceStep). */
function externalStep(p: Planner, source: ResolvedProfile, external: ExternalSource): ExternalSourceStep {
  const settings = Object.create(null) as Record<string, string>;
  const origins = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(source.values)) {
    if (SECRET_KEYS.has(key)) continue;
    settings[key] = value;
    origins[key] = where(source, key).replace(/^\((.*)\)$/s, "$1");
  }
  const step: ExternalSourceStep = {
    type: "external",
    profile: source.name,
    kind: external.kind,
    settings,
    origins,
    unsupported: { message: external.message, hint: external.hint },
  };
  const session = source.values.sso_session;
  const section = session === undefined ? undefined : p.ctx.config.ssoSessions.get(session);
  if (section !== undefined) step.ssoSession = { ...section.values };
  return step;
}

/**
 * The profile whose MFA serial a plan without roles uses: the nearest profile from the target down
 * that declares a serial other than the source's (an alias with its own `mfa_serial`, as aws-vault
 * asks for it), else the source itself, so aliases sharing the source's serial share its session.
 * Why an alias without a serial of its own uses its source's: the source's serial protects its
 * keys (aws-vault would skip the MFA there).
 */
function aliasSerialHolder(chain: Chain): ResolvedProfile {
  const own = chain.source.values.mfa_serial;
  return (
    chain.path.find(
      (profile) => profile.values.mfa_serial !== undefined && profile.values.mfa_serial !== own,
    ) ?? chain.source
  );
}

function sessionToken(
  p: Planner,
  profile: ResolvedProfile,
  serial: Serial,
  durationSeconds: number,
  last: boolean,
): GetSessionTokenStep {
  return {
    type: "GetSessionToken",
    profile: profile.name,
    ...serial,
    durationSeconds,
    ...stsFor(p, profile, last),
  };
}

function assumeRole(
  p: Planner,
  role: ResolvedProfile,
  last: boolean,
  serial: Serial,
  duration: number,
  chained: boolean,
): AssumeRoleStep {
  const v = role.values;
  return {
    type: "AssumeRole",
    profile: role.name,
    roleArn: v.role_arn ?? "",
    ...serial,
    // Why: a chained call asking for more than 1 h would be rejected by AWS; cap it instead.
    durationSeconds: chained ? Math.min(duration, CHAINED_MAX) : duration,
    externalId: v.external_id ?? null,
    roleSessionName: sessionNameFor(p, role, last),
    sourceIdentity: v.source_identity ?? null,
    // fromEntries defines keys as data, so a `__proto__` tag cannot touch a prototype.
    sessionTags: Object.fromEntries(Object.entries(parseTags(v.session_tags ?? "") ?? {})),
    transitiveTagKeys: parseKeys(v.transitive_session_tags ?? "") ?? [],
    chained,
    ...stsFor(p, role, last),
  };
}

/**
 * Region of the plan: `--region` > `AWS_REGION` > `AWS_DEFAULT_REGION` > the target's own `region`
 * (or its include_profile's) > none. Source profiles' regions are not inherited (AWS CLI, aws-vault).
 */
function resolveRegion(target: ResolvedProfile, input: ResolveInput): string | null {
  const { flags, env } = input;
  if (nonEmpty(flags.region) !== undefined) {
    validateOverride("region", flags.region ?? "", "--region");
    return flags.region ?? null;
  }
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    // Why: inside a shell vsw already switched, the region variables are the previous profile's,
    // exported by vsw itself next to VSW_REGION; honouring them would carry dev's region into prod.
    if (nonEmpty(env.VSW_PROFILE) !== undefined && value === env.VSW_REGION) continue;
    validateOverride("region", value, name);
    return value;
  }
  return target.values.region ?? null;
}

function checkFlagDuration(p: Planner, max: number, call: string): void {
  const seconds = p.input.flags.durationSeconds;
  if (seconds === undefined || (Number.isInteger(seconds) && seconds >= 900 && seconds <= max)) return;
  throw new VswError(
    "VSW_USAGE",
    `--duration ${seconds}s is out of range: ${call} takes 900 to ${max} seconds.`,
    {
      hint: `Ask for a duration from 15m to ${max / 3600}h.`,
    },
  );
}

/** `vsw-<user>` restricted to STS's `[\w+=,.@-]`, accents folded (`Jörg` → `vsw-Jorg`), at most 64 characters. */
export function defaultSessionName(user: string | undefined): string {
  // Why the shortcut: NFKD and the Unicode property class load ICU data (~2 ms on the hot path);
  // a plain ASCII name, the usual case, needs neither.
  if (user && /^[\w+=,.@-]+$/.test(user) && /[^-]/.test(user)) {
    return `vsw-${trimDashes(user)}`.slice(0, 64);
  }
  const name = (user ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\w+=,.@-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `vsw-${name || "session"}`.slice(0, 64);
}

/** `value` without leading and trailing `-` (a regular expression would be compiled on every switch). */
export function trimDashes(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === "-") start++;
  while (end > start && value[end - 1] === "-") end--;
  return value.slice(start, end);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function notFound(ctx: ProfileContext, name: string): VswError {
  const bare = ctx.config.ignoredSections.includes(name);
  // Why: never fall back to [default] (aws-vault bug ByteNess#377): the wrong account is worse than none.
  return new VswError(
    "VSW_PROFILE_NOT_FOUND",
    `Profile "${name}" is in neither "${ctx.configFile}" nor "${ctx.credentialsFile}" and has no stored keys.`,
    {
      hint: bare
        ? `The config file has a section [${name}]; there a profile is written [profile ${name}].`
        : `Run "vsw list" to see the profiles, or "${commandHint("vsw add", name)}" to store keys for it.`,
    },
  );
}

/** Parsed configs by input, so `resolvePlan` then `inheritedRegion` on one switch parse the files once. */
const parsed = new WeakMap<ResolveInput, { text: string; credentials: string; config: AwsConfig }>();

function parsedConfig(input: ResolveInput): AwsConfig {
  const hit = parsed.get(input);
  // The texts are compared too: an input object whose files were swapped is parsed anew.
  if (hit && hit.text === input.configText && hit.credentials === input.credentialsText) return hit.config;
  const index = input.sectionIndex;
  const config =
    index !== undefined &&
    indexFits(index.config, input.configText) &&
    indexFits(index.credentials, input.credentialsText)
      ? indexedAwsConfig({ ...input, config: index.config, credentials: index.credentials })
      : loadAwsConfig(input.configText, input.configFile, input.credentialsText, input.credentialsFile);
  parsed.set(input, { text: input.configText, credentials: input.credentialsText, config });
  return config;
}

/**
 * The region a switch hands out when the plan has none (no flag, no environment, no `region` on
 * the target): the nearest `region` down the target's source_profile chain, e.g. the README's
 * `dev` role gets its `base`'s. Why: a switched shell has no profile the AWS CLI could read a
 * region from, so every `aws` call would fail with "You must specify a region". The plan itself
 * keeps the AWS CLI's rule (the target's STS call goes where the target says).
 */
export function inheritedRegion(input: ResolveInput): string | null {
  const ctx: ProfileContext = {
    config: parsedConfig(input),
    configFile: input.configFile,
    credentialsFile: input.credentialsFile,
    storedKeys: input.storedKeys,
  };
  const chain = walkChain(ctx, input.profile);
  return [...chain.path, chain.source].find((p) => p.values.region)?.values.region ?? null;
}
