/**
 * The emulator's world: accounts (implied by the users and roles in them), IAM users with
 * long-term keys and MFA devices, roles with a trust policy, and the STS sessions issued so far.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { VirtualClock } from "./clock.js";
import { base32Decode, verifyTotp } from "./totp.js";

/** A virtual MFA device: its ARN and the base32 seed an authenticator app would hold. */
export interface MfaDeviceConfig {
  /** `arn:aws:iam::ACCOUNT:mfa/NAME`, what clients pass as `SerialNumber`. */
  serial: string;
  secretBase32: string;
}

/** An IAM user to create; keys are generated when left out. */
export interface UserConfig {
  /** 12-digit account id. */
  account: string;
  name: string;
  /** `AKIA…`; generated (20 characters) when omitted. */
  accessKeyId?: string;
  /** Generated (40 characters) when omitted. */
  secretAccessKey?: string;
  mfa?: MfaDeviceConfig;
}

/** A created user with the keys a client needs. */
export interface UserCredentials {
  account: string;
  name: string;
  /** `arn:aws:iam::ACCOUNT:user/NAME`. */
  arn: string;
  /** The unique id GetCallerIdentity answers as `UserId` (`AIDA…`). */
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  mfa: MfaDeviceConfig | undefined;
}

/** Who may assume a role: the emulator's reading of a trust policy. */
export interface RoleTrust {
  /**
   * Trusted principals: an account id or `arn:aws:iam::ACCOUNT:root` (anyone in that account), a user
   * ARN, a role ARN (any session of that role), an assumed-role session ARN, or `*`.
   */
  principals: string[];
  /** The trust policy's `aws:MultiFactorAuthPresent` condition. */
  requireMfa?: boolean;
  /** The trust policy's `sts:ExternalId` condition. */
  externalId?: string;
  /**
   * A `Federated` OIDC principal with its `aud`/`sub` conditions: who may call
   * AssumeRoleWithWebIdentity (web-identity.ts checks the token against it).
   */
  webIdentity?: WebIdentityTrust;
  /**
   * The `Authorization` header the container-credentials stand-in (machine.ts) requires for this
   * role; the role must also name the service principal `ecs-tasks.amazonaws.com`.
   */
  containerToken?: string;
}

/** The OIDC identity provider a role trusts, and the token claims its trust policy requires. */
export interface WebIdentityTrust {
  /** The token's `iss` (`https://token.actions.githubusercontent.com`). */
  issuer: string;
  /** The required `aud` (the trust policy's `…:aud` condition). */
  audience: string;
  /** Allowed `sub` values (`…:sub` condition); any when absent. */
  subjects?: string[];
}

/** A role to create. */
export interface RoleConfig {
  account: string;
  name: string;
  trust: RoleTrust;
  /** Longest session AssumeRole may ask for, 3600 (the IAM default) to 43200 seconds. */
  maxSessionDuration?: number;
}

/** A created role. */
export interface RoleInfo {
  account: string;
  name: string;
  /** `arn:aws:iam::ACCOUNT:role/NAME`. */
  arn: string;
  /** The unique id (`AROA…`) that prefixes `AssumedRoleId`. */
  roleId: string;
  maxSessionDuration: number;
  trust: RoleTrust;
}

/** One long-term access key of a user (IAM allows two per user). */
export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  status: "Active" | "Inactive";
  /** Virtual time of creation (IAM's `CreateDate`). */
  createdAtMs: number;
  /**
   * Real time from which the key is accepted: IAM is eventually consistent, so a new key fails
   * with InvalidClientTokenId for a while (the world's `newKeyDelayMs`).
   */
  usableFromWallMs: number;
}

/** A user as the emulator holds it, with the codes its MFA device has already accepted. */
export interface User extends UserCredentials {
  usedMfaCounters: Set<number>;
  /** Its long-term keys, oldest first; the first is the one it was created with. */
  keys: AccessKeyRecord[];
}

/**
 * Who a request acts as: an IAM user (long-term keys or GetSessionToken), a role session, or a
 * federated user (GetFederationToken).
 */
export type Principal =
  | { kind: "user"; user: User }
  | { kind: "role"; role: RoleInfo; sessionName: string }
  | { kind: "federated"; user: User; name: string };

/** An issued STS session and everything recorded about how it was obtained. */
export interface Session {
  kind: "session-token" | "assumed-role" | "federation-token";
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  issuedAtMs: number;
  expiresAtMs: number;
  principal: Principal;
  mfaAuthenticated: boolean;
  /** The region the issuing request was signed for. */
  region: string;
  sourceIdentity: string | undefined;
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  externalId: string | undefined;
  policy: string | undefined;
  policyArns: string[];
}

/** What a new session carries besides its keys. */
export type SessionGrant = Omit<
  Session,
  "accessKeyId" | "secretAccessKey" | "sessionToken" | "issuedAtMs" | "expiresAtMs"
>;

/**
 * The grant of a plain role session (no MFA, tags, policy or external id) named `sessionName`:
 * what IAM Identity Center, web identity and the instance and container stand-ins hand out.
 */
export function plainRoleGrant(role: RoleInfo, sessionName: string): SessionGrant {
  return {
    kind: "assumed-role",
    principal: { kind: "role", role, sessionName },
    mfaAuthenticated: false,
    region: "us-east-1",
    ...noGrantExtras(),
  };
}

/** A grant's optional parts (source identity, session tags, external id, session policies): none. */
export function noGrantExtras(): Pick<
  SessionGrant,
  "sourceIdentity" | "tags" | "transitiveTagKeys" | "externalId" | "policy" | "policyArns"
> {
  return {
    sourceIdentity: undefined,
    tags: {},
    transitiveTagKeys: [],
    externalId: undefined,
    policy: undefined,
    policyArns: [],
  };
}

/** The result of checking an MFA code for a user. */
export type MfaCheck = "ok" | "unknown-device" | "invalid-code";

/** The emulator's mutable state. */
export interface World {
  createUser(config: UserConfig): UserCredentials;
  createRole(config: RoleConfig): RoleInfo;
  /** The owner of an access key: a user (long-term key) or a session (temporary key). */
  findKey(
    accessKeyId: string,
  ): { kind: "user"; user: User; key: AccessKeyRecord } | { kind: "session"; session: Session } | undefined;
  findRole(arn: string): RoleInfo | undefined;
  issueSession(grant: SessionGrant, durationSeconds: number): Session;
  /** Checks `code` against `user`'s device `serial` at real time `wallSeconds`, spending it when right. */
  checkMfa(user: User, serial: string, code: string, wallSeconds: number): MfaCheck;
  /** Adds a long-term key to `user`, usable after {@link World.newKeyDelayMs} of real time. */
  createAccessKey(user: User): AccessKeyRecord;
  /** Removes a key of `user`; false when it has no such key. */
  deleteAccessKey(user: User, accessKeyId: string): boolean;
  /** How long (real milliseconds) a new key is refused before it works (IAM's propagation); 0 by default. */
  newKeyDelayMs: number;
}

/** Creates an empty world whose sessions are timed by `clock`. */
export function createWorld(clock: VirtualClock): World {
  const usersByKey = new Map<string, User>();
  const usersByArn = new Map<string, User>();
  const serials = new Set<string>();
  const roles = new Map<string, RoleInfo>();
  const sessions = new Map<string, Session>();

  return {
    createUser(config) {
      checkAccount(config.account);
      checkName("User", config.name);
      const arn = `arn:aws:iam::${config.account}:user/${config.name}`;
      if (usersByArn.has(arn)) throw new Error(`User "${arn}" already exists.`);
      const accessKeyId = config.accessKeyId ?? `AKIA${randomId(16)}`;
      if (!/^AKIA[A-Z0-9]{12,124}$/.test(accessKeyId)) {
        throw new Error(
          `Access key id "${accessKeyId}" must be "AKIA" and 12 or more upper-case letters or digits.`,
        );
      }
      if (usersByKey.has(accessKeyId)) throw new Error(`Access key id "${accessKeyId}" is already in use.`);
      if (config.mfa) {
        if (serials.has(config.mfa.serial)) {
          throw new Error(`MFA device "${config.mfa.serial}" is already assigned.`);
        }
        base32Decode(config.mfa.secretBase32); // fail now, not on the first code
      }
      const user: User = {
        account: config.account,
        name: config.name,
        arn,
        userId: `AIDA${randomId(17)}`,
        accessKeyId,
        secretAccessKey: config.secretAccessKey ?? randomSecret(),
        mfa: config.mfa ? { ...config.mfa } : undefined,
        usedMfaCounters: new Set(),
        keys: [],
      };
      user.keys.push({
        accessKeyId,
        secretAccessKey: user.secretAccessKey,
        status: "Active",
        createdAtMs: clock.nowMs(),
        usableFromWallMs: 0,
      });
      usersByKey.set(accessKeyId, user);
      usersByArn.set(arn, user);
      if (user.mfa) serials.add(user.mfa.serial);
      const { usedMfaCounters: _, keys: _keys, ...credentials } = user;
      return credentials;
    },

    createRole(config) {
      checkAccount(config.account);
      checkName("Role", config.name);
      const maxSessionDuration = config.maxSessionDuration ?? 3600;
      // IAM's own limits for MaxSessionDuration (CreateRole API reference).
      if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
        throw new RangeError(
          `Role maxSessionDuration must be 3600 to 43200 seconds, got ${maxSessionDuration}.`,
        );
      }
      const arn = `arn:aws:iam::${config.account}:role/${config.name}`;
      if (roles.has(arn)) throw new Error(`Role "${arn}" already exists.`);
      const role: RoleInfo = {
        account: config.account,
        name: config.name,
        arn,
        roleId: `AROA${randomId(17)}`,
        maxSessionDuration,
        trust: { ...config.trust, principals: [...config.trust.principals] },
      };
      roles.set(arn, role);
      return role;
    },

    findKey(accessKeyId) {
      const user = usersByKey.get(accessKeyId);
      const key = user?.keys.find((k) => k.accessKeyId === accessKeyId);
      if (user && key) return { kind: "user", user, key };
      const session = sessions.get(accessKeyId);
      return session ? { kind: "session", session } : undefined;
    },

    findRole: (arn) => roles.get(arn),

    issueSession(grant, durationSeconds) {
      // Whole seconds, as `Expiration` is printed: a client that compares its clock with the
      // Expiration it was given then agrees with the emulator on when the session ends.
      const issuedAtMs = Math.floor(clock.nowMs() / 1000) * 1000;
      const session: Session = {
        ...grant,
        accessKeyId: `ASIA${randomId(16)}`,
        secretAccessKey: randomSecret(),
        sessionToken: randomSessionToken(),
        issuedAtMs,
        expiresAtMs: issuedAtMs + durationSeconds * 1000,
      };
      sessions.set(session.accessKeyId, session);
      return session;
    },

    newKeyDelayMs: 0,

    createAccessKey(user) {
      const key: AccessKeyRecord = {
        accessKeyId: `AKIA${randomId(16)}`,
        secretAccessKey: randomSecret(),
        status: "Active",
        createdAtMs: clock.nowMs(),
        usableFromWallMs: Date.now() + this.newKeyDelayMs,
      };
      user.keys.push(key);
      usersByKey.set(key.accessKeyId, user);
      return key;
    },

    deleteAccessKey(user, accessKeyId) {
      const at = user.keys.findIndex((k) => k.accessKeyId === accessKeyId);
      if (at === -1) return false;
      user.keys.splice(at, 1);
      usersByKey.delete(accessKeyId);
      return true;
    },

    checkMfa(user, serial, code, wallSeconds) {
      if (!user.mfa || user.mfa.serial !== serial) return "unknown-device";
      const counter = verifyTotp(user.mfa.secretBase32, code, wallSeconds);
      // RFC 6238 §5.2: a verifier must not accept the same OTP twice, so a replayed code fails
      // exactly like a wrong one.
      if (counter === undefined || user.usedMfaCounters.has(counter)) return "invalid-code";
      user.usedMfaCounters.add(counter);
      for (const used of user.usedMfaCounters) if (used < counter - 2) user.usedMfaCounters.delete(used);
      return "ok";
    },
  };
}

/** `arn:aws:iam::ACCOUNT:user/NAME` or `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
export function principalArn(principal: Principal): string {
  if (principal.kind === "user") return principal.user.arn;
  if (principal.kind === "federated")
    return `arn:aws:sts::${principal.user.account}:federated-user/${principal.name}`;
  return `arn:aws:sts::${principal.role.account}:assumed-role/${principal.role.name}/${principal.sessionName}`;
}

/** The account a principal belongs to. */
export function principalAccount(principal: Principal): string {
  return principal.kind === "role" ? principal.role.account : principal.user.account;
}

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomId(length: number): string {
  return Array.from({ length }, () => UPPER_ALNUM[randomInt(UPPER_ALNUM.length)]).join("");
}

/** 40 base64 characters, like a real secret access key (which can hold `+` and `/`). */
function randomSecret(): string {
  return randomBytes(30).toString("base64");
}

/**
 * An opaque token shaped like a real one: long base64 with `+`, `/` and `=` in it, so clients that
 * forget to escape it in a URL, header or shell line fail here rather than against AWS.
 */
function randomSessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(400).toString("base64")}`;
}

function checkAccount(account: string): void {
  if (!/^\d{12}$/.test(account)) throw new Error(`Account id "${account}" must be 12 digits.`);
}

function checkName(kind: string, name: string): void {
  // IAM user and role names: 1-64 characters of [\w+=,.@-] (IAM API reference).
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw new Error(`${kind} name "${name}" must be 1-64 of [A-Za-z0-9_+=,.@-].`);
  }
}
