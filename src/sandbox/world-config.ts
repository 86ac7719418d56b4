/**
 * A whole world as JSON, for the standalone emulator and demos: users and roles to create, and
 * a built-in default world.
 */
import { randomBytes } from "node:crypto";
import type { StsEmulator } from "./server.js";
import { base32Encode } from "./totp.js";
import type { RoleConfig, RoleInfo, UserConfig, UserCredentials } from "./world.js";

/** The JSON config file of `main.ts`. */
export interface WorldConfig {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  users?: UserConfig[];
  roles?: RoleConfig[];
}

/** What was created, keys included. */
export interface CreatedWorld {
  users: UserCredentials[];
  roles: RoleInfo[];
}

/**
 * The default world: user `me` in 111111111111 with a virtual MFA device (fresh seed each run),
 * role `dev` in 222222222222 that trusts 111111111111, and role `prod` in 333333333333 that trusts
 * it only with MFA.
 */
export function defaultWorldConfig(): WorldConfig {
  return {
    users: [
      {
        account: "111111111111",
        name: "me",
        mfa: { serial: "arn:aws:iam::111111111111:mfa/me", secretBase32: base32Encode(randomBytes(20)) },
      },
    ],
    roles: [
      { account: "222222222222", name: "dev", trust: { principals: ["111111111111"] } },
      { account: "333333333333", name: "prod", trust: { principals: ["111111111111"], requireMfa: true } },
    ],
  };
}

/**
 * Checks the shape of a parsed config file; values are checked when users and roles are created.
 * @throws {Error} naming the first field that has the wrong type.
 */
export function parseWorldConfig(json: unknown): WorldConfig {
  const config = object(json, "config");
  if (config.port !== undefined && typeof config.port !== "number") {
    throw new Error('Config "port" must be a number.');
  }
  const users = array(config.users, "users").map((entry, i) => {
    const user = object(entry, `users[${i}]`);
    strings(user, `users[${i}]`, ["account", "name"], ["accessKeyId", "secretAccessKey"]);
    if (user.mfa !== undefined) {
      strings(object(user.mfa, `users[${i}].mfa`), `users[${i}].mfa`, ["serial", "secretBase32"], []);
    }
    return user as unknown as UserConfig;
  });
  const roles = array(config.roles, "roles").map((entry, i) => {
    const role = object(entry, `roles[${i}]`);
    strings(role, `roles[${i}]`, ["account", "name"], []);
    const trust = object(role.trust, `roles[${i}].trust`);
    if (!Array.isArray(trust.principals) || !trust.principals.every((p) => typeof p === "string")) {
      throw new Error(`Config "roles[${i}].trust.principals" must be an array of strings.`);
    }
    return role as unknown as RoleConfig;
  });
  return { ...(config.port === undefined ? {} : { port: config.port }), users, roles };
}

/** Creates the config's users, then its roles, in `emu`. */
export function applyWorldConfig(emu: StsEmulator, config: WorldConfig): CreatedWorld {
  return {
    users: (config.users ?? []).map((user) => emu.createUser(user)),
    roles: (config.roles ?? []).map((role) => emu.createRole(role)),
  };
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`Config "${path}" must be an object.`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`Config "${path}" must be an array.`);
  return value;
}

function strings(
  record: Record<string, unknown>,
  path: string,
  required: string[],
  optional: string[],
): void {
  for (const key of [...required, ...optional]) {
    const value = record[key];
    if (value === undefined && optional.includes(key)) continue;
    if (typeof value !== "string") throw new Error(`Config "${path}.${key}" must be a string.`);
  }
}
