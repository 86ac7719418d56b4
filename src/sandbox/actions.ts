/**
 * The STS operations the emulator implements: GetSessionToken, AssumeRole, GetCallerIdentity.
 * Each takes an authenticated caller and the request parameters and returns the `…Result` body,
 * or throws an StsError. Rules cite the STS API reference unless a comment says otherwise.
 */
import {
  invalidMfaCode,
  notAuthorizedToAssume,
  StsError,
  unknownMfaDevice,
  validationError,
} from "./errors.js";
import { createValidator, type ParamValidator } from "./validate.js";
import type { Principal, RoleInfo, Session, User, World } from "./world.js";
import { noGrantExtras, principalAccount, principalArn } from "./world.js";
import { isoSeconds, type XmlElement } from "./xml.js";

/** The authenticated sender of a request. */
export interface Caller {
  accessKeyId: string;
  /** The region from the signature's credential scope. */
  region: string;
  principal: Principal;
  /** The session behind a temporary (`ASIA…`) key; `undefined` for long-term keys. */
  session: Session | undefined;
}

/** Everything an operation needs. */
export interface ActionContext {
  world: World;
  caller: Caller;
  params: ReadonlyMap<string, string>;
  /** Real time in seconds, for MFA codes: authenticator apps make them with real time. */
  wallSeconds: number;
}

/** An implemented STS operation. */
export type ActionHandler = (context: ActionContext) => XmlElement[];

/** The operations by `Action` name. */
export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  GetSessionToken: getSessionToken,
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetFederationToken: getFederationToken,
};

/**
 * Session credentials of any kind calling AssumeRole get at most one hour: STS applies its
 * role-chaining limit to GetSessionToken credentials too (aws-vault #351, aws-runas #11 quote the
 * error AWS returns in that case).
 */
const CHAINED_MAX_SECONDS = 3600;

const MFA_RULES = {
  serial: { min: 9, max: 256, pattern: "[\\w+=/:,.@-]*" },
  code: { min: 6, max: 6, pattern: "[\\d]*", sensitive: true },
} as const;

function getSessionToken({ world, caller, params, wallSeconds }: ActionContext): XmlElement[] {
  const v = createValidator(params);
  // 900 s to 129,600 s (36 h) for IAM users; 43,200 s (12 h) when omitted.
  const duration = v.integer("DurationSeconds", 900, 129600) ?? 43200;
  const serial = v.string("SerialNumber", MFA_RULES.serial);
  const code = v.string("TokenCode", MFA_RULES.code);
  v.done();
  // Session credentials cannot mint more sessions; STS says so in these words.
  if (caller.session || caller.principal.kind !== "user") {
    throw new StsError(403, "AccessDenied", "Cannot call GetSessionToken with session credentials");
  }
  const mfaAuthenticated = checkMfaIfGiven(world, caller.principal.user, serial, code, wallSeconds);
  const session = world.issueSession(
    {
      kind: "session-token",
      principal: caller.principal,
      mfaAuthenticated,
      region: caller.region,
      ...noGrantExtras(),
    },
    duration,
  );
  return [["Credentials", credentialsXml(session)]];
}

function assumeRole({ world, caller, params, wallSeconds }: ActionContext): XmlElement[] {
  const v = createValidator(params);
  const roleArn = v.string("RoleArn", { required: true, min: 20, max: 2048 });
  const sessionName = v.string("RoleSessionName", {
    required: true,
    min: 2,
    max: 64,
    pattern: "[\\w+=,.@-]*",
  });
  // The model allows up to 43,200 s; the role's own maximum is checked after authorization.
  const requested = v.integer("DurationSeconds", 900, 43200);
  const externalId = v.string("ExternalId", { min: 2, max: 1224, pattern: "[\\w+=,.@:\\/-]*" });
  const serial = v.string("SerialNumber", MFA_RULES.serial);
  const code = v.string("TokenCode", MFA_RULES.code);
  const sourceIdentity = v.string("SourceIdentity", { min: 2, max: 64, pattern: "[\\w+=,.@-]*" });
  const policy = v.string("Policy", { min: 1, max: 2048 });
  const tags = readTags(v, params);
  const transitiveTagKeys = v.list("TransitiveTagKeys", 50).map(({ prefix }) => params.get(prefix) ?? "");
  const policyArns = v.list("PolicyArns", 10).map(({ path, prefix }) => {
    return v.check(`${path}.arn`, params.get(`${prefix}.arn`), { required: true, min: 20, max: 2048 }) ?? "";
  });
  v.done();
  if (roleArn === undefined || sessionName === undefined) return []; // unreachable: done() threw

  const callerArn = principalArn(caller.principal);
  // A code that was sent is checked even when the trust policy does not ask for MFA. Role
  // sessions own no MFA device, so a serial sent with one cannot be theirs.
  let codeChecked = false;
  if (serial !== undefined || code !== undefined) {
    if (caller.principal.kind !== "user") throw unknownMfaDevice();
    codeChecked = checkMfaIfGiven(world, caller.principal.user, serial, code, wallSeconds);
  }
  const role = world.findRole(roleArn);
  // A role that does not exist is reported exactly like one that exists but does not trust the
  // caller: STS does not let callers probe which roles exist.
  if (!role || !trusts(role, caller.principal)) throw notAuthorizedToAssume(callerArn, roleArn);
  if (role.trust.externalId !== undefined && role.trust.externalId !== externalId) {
    throw notAuthorizedToAssume(callerArn, roleArn);
  }
  // aws:MultiFactorAuthPresent holds for a session that was created with MFA (it carries over
  // into roles assumed from it) or when this request brings a valid code.
  const mfaPresent = codeChecked || (caller.session?.mfaAuthenticated ?? false);
  if (role.trust.requireMfa && !mfaPresent) throw notAuthorizedToAssume(callerArn, roleArn);

  const duration = requested ?? 3600;
  if (caller.session && duration > CHAINED_MAX_SECONDS) {
    throw validationError(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }
  if (duration > role.maxSessionDuration) {
    throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  // Once set, a source identity stays with every session chained from it.
  const inherited = caller.session?.sourceIdentity;
  if (inherited !== undefined && sourceIdentity !== undefined && sourceIdentity !== inherited) {
    throw notAuthorizedToAssume(callerArn, roleArn);
  }
  // Transitive tags of the calling session are passed on to the next role in the chain.
  const carried = caller.session ? pick(caller.session.tags, caller.session.transitiveTagKeys) : {};
  const packed = packedPolicySize(policy, policyArns, tags);
  if (packed !== undefined && packed > 100) {
    throw new StsError(
      400,
      "PackedPolicyTooLarge",
      `Packed policy consumes ${packed}% of allotted space, please use smaller policy for the request.`,
    );
  }
  const session = world.issueSession(
    {
      kind: "assumed-role",
      principal: { kind: "role", role, sessionName },
      mfaAuthenticated: mfaPresent,
      region: caller.region,
      sourceIdentity: sourceIdentity ?? inherited,
      tags: { ...carried, ...tags },
      transitiveTagKeys: [...new Set([...(caller.session?.transitiveTagKeys ?? []), ...transitiveTagKeys])],
      externalId,
      policy,
      policyArns,
    },
    duration,
  );
  return [
    ["Credentials", credentialsXml(session)],
    [
      "AssumedRoleUser",
      [
        ["AssumedRoleId", `${role.roleId}:${sessionName}`],
        ["Arn", principalArn(session.principal)],
      ],
    ],
    ["PackedPolicySize", packed],
    ["SourceIdentity", session.sourceIdentity],
  ];
}

/**
 * GetFederationToken: only an IAM user's long-term key may call it (STS refuses session
 * credentials), and it takes no MFA. 900 s to 129,600 s, 43,200 s when omitted.
 */
function getFederationToken({ world, caller, params }: ActionContext): XmlElement[] {
  const v = createValidator(params);
  const name = v.string("Name", { required: true, min: 2, max: 32, pattern: "[\\w+=,.@-]*" });
  const duration = v.integer("DurationSeconds", 900, 129600) ?? 43200;
  const policy = v.string("Policy", { min: 1, max: 2048 });
  const policyArns = v.list("PolicyArns", 10).map(({ path, prefix }) => {
    return v.check(`${path}.arn`, params.get(`${prefix}.arn`), { required: true, min: 20, max: 2048 }) ?? "";
  });
  v.done();
  if (name === undefined) return [];
  if (caller.session || caller.principal.kind !== "user") {
    throw new StsError(403, "AccessDenied", "Cannot call GetFederationToken with session credentials");
  }
  const session = world.issueSession(
    {
      kind: "federation-token",
      principal: { kind: "federated", user: caller.principal.user, name },
      mfaAuthenticated: false,
      region: caller.region,
      ...noGrantExtras(),
      policy,
      policyArns,
    },
    duration,
  );
  return [
    ["Credentials", credentialsXml(session)],
    [
      "FederatedUser",
      [
        ["FederatedUserId", `${caller.principal.user.account}:${name}`],
        ["Arn", principalArn(session.principal)],
      ],
    ],
    ["PackedPolicySize", packedPolicySize(policy, policyArns, {})],
  ];
}

function getCallerIdentity({ caller }: ActionContext): XmlElement[] {
  const { principal } = caller;
  // A GetSessionToken session answers as its user; a role session as `AROA…:session-name`.
  const userId =
    principal.kind === "user"
      ? principal.user.userId
      : principal.kind === "federated"
        ? `${principal.user.account}:${principal.name}`
        : `${principal.role.roleId}:${principal.sessionName}`;
  return [
    ["UserId", userId],
    ["Account", principalAccount(principal)],
    ["Arn", principalArn(principal)],
  ];
}

/** Whether `role`'s trust policy names `principal`, its account, or its role. */
export function trusts(role: RoleInfo, principal: Principal): boolean {
  const account = principalAccount(principal);
  const names = new Set(["*", account, `arn:aws:iam::${account}:root`, principalArn(principal)]);
  if (principal.kind === "role") names.add(principal.role.arn);
  return role.trust.principals.some((p) => names.has(p));
}

/**
 * Checks SerialNumber + TokenCode when either is sent. Both must come together: a code without a
 * device cannot be checked, a device without a code proves nothing.
 * @returns whether MFA was proven (false when neither was sent).
 */
function checkMfaIfGiven(
  world: World,
  user: User,
  serial: string | undefined,
  code: string | undefined,
  wallSeconds: number,
): boolean {
  if (serial === undefined && code === undefined) return false;
  if (serial === undefined) throw unknownMfaDevice();
  if (code === undefined) throw invalidMfaCode();
  const result = world.checkMfa(user, serial, code, wallSeconds);
  if (result === "unknown-device") throw unknownMfaDevice();
  if (result === "invalid-code") throw invalidMfaCode();
  return true;
}

function readTags(v: ParamValidator, params: ReadonlyMap<string, string>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const { path, prefix } of v.list("Tags", 50)) {
    const key = v.check(`${path}.key`, params.get(`${prefix}.Key`), {
      required: true,
      min: 1,
      max: 128,
      pattern: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    });
    const value = v.check(`${path}.value`, params.get(`${prefix}.Value`), {
      required: true,
      max: 256,
      pattern: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
    });
    if (key !== undefined && value !== undefined) tags[key] = value;
  }
  return tags;
}

/**
 * STS's `PackedPolicySize`: the percentage of the packed-policy allowance that session policies and
 * tags use. AWS compresses them in an undocumented way; this approximates it as 1% per 20 bytes,
 * rounded up, which keeps the documented shape (present only when policies or tags were sent).
 */
function packedPolicySize(
  policy: string | undefined,
  policyArns: readonly string[],
  tags: Readonly<Record<string, string>>,
): number | undefined {
  const tagBytes = Object.entries(tags).reduce((sum, [k, val]) => sum + k.length + val.length, 0);
  const arnBytes = policyArns.reduce((sum, arn) => sum + arn.length, 0);
  if (policy === undefined && policyArns.length === 0 && Object.keys(tags).length === 0) return undefined;
  return Math.max(1, Math.ceil(((policy?.replace(/\s+/g, "").length ?? 0) + tagBytes + arnBytes) / 20));
}

function credentialsXml(session: Session): XmlElement[] {
  return [
    ["AccessKeyId", session.accessKeyId],
    ["SecretAccessKey", session.secretAccessKey],
    ["SessionToken", session.sessionToken],
    ["Expiration", isoSeconds(session.expiresAtMs)],
  ];
}

function pick(record: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}
