/**
 * The AWS CLI v2's SSO token cache, shared on purpose (issue 12: one sign-in for both tools):
 * `~/.aws/sso/cache/<sha1>.json`, the sha1 of the sso-session name (or of the start URL in the legacy
 * form), with the fields botocore's SSOTokenFetcher writes and the JS SDK's `fromSso` reads and
 * refreshes (`startUrl`, `region`, `accessToken`, `expiresAt`, `clientId`, `clientSecret`,
 * `registrationExpiresAt`, `refreshToken`). It is the one place a token lives outside the keystore.
 * Written atomically, mode 0600, in a 0700 directory.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../../plugin.js";
import { atomicWrite, ensurePrivateDir, removeQuietly } from "../keystore/file-io.js";
import type { SsoSignIn } from "./settings.js";

/** A cached token as the AWS CLI writes it. */
export interface SsoToken {
  startUrl: string;
  region: string;
  accessToken: string;
  /** ISO 8601, UTC (`2026-12-02T10:00:00Z`). */
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/** A client registration as botocore caches it (`expiresAt` is the client secret's expiry). */
export interface SsoRegistration {
  clientId: string;
  clientSecret: string;
  expiresAt: string;
  scopes?: string[];
}

/** `~/.aws/sso/cache`, under the HOME vsw was given. */
export function cacheDir(env: Env): string {
  // HOME as vsw was given it (tests hand in their own), else the OS's idea of it, as the SDK does.
  return join(env.HOME || process.getBuiltinModule("node:os").homedir(), ".aws", "sso", "cache");
}

function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** The token file of a sign-in: the sha1 of the session name, or of the start URL (legacy form). */
export function tokenFile(env: Env, signIn: SsoSignIn): string {
  return join(cacheDir(env), `${sha1(signIn.session ?? signIn.startUrl)}.json`);
}

/**
 * The registration file the AWS CLI v2 (botocore's `_registration_cache_key`) looks for: the sha1 of
 * `json.dumps({...}, sort_keys=True)`, so `aws sso login` reuses a client vsw registered.
 */
export function registrationFile(env: Env, signIn: SsoSignIn): string {
  const scopes = signIn.scopes.length
    ? `[${signIn.scopes.map((s) => JSON.stringify(s)).join(", ")}]`
    : "null";
  // Python's json.dumps separators (", ", ": "), keys sorted, as botocore hashes them.
  const args = `{"region": ${JSON.stringify(signIn.ssoRegion)}, "scopes": ${scopes}, "session_name": ${signIn.session === null ? "null" : JSON.stringify(signIn.session)}, "startUrl": ${JSON.stringify(signIn.startUrl)}, "tool": "botocore"}`;
  return join(cacheDir(env), `${sha1(args)}.json`);
}

function readJson(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    // A damaged file is as good as none: a sign-in writes it anew.
    return undefined;
  }
}

/** The cached token of a sign-in, when there is a readable one with an access token and an expiry. */
export function readToken(env: Env, signIn: SsoSignIn): SsoToken | undefined {
  const doc = readJson(tokenFile(env, signIn));
  if (!doc || typeof doc.accessToken !== "string" || typeof doc.expiresAt !== "string") return undefined;
  if (Number.isNaN(Date.parse(doc.expiresAt))) return undefined;
  return doc as unknown as SsoToken;
}

/** Writes the token of a sign-in (atomic, 0600, directory 0700). */
export function writeToken(env: Env, signIn: SsoSignIn, token: SsoToken): void {
  ensurePrivateDir(cacheDir(env));
  atomicWrite(tokenFile(env, signIn), JSON.stringify(token));
}

/** Removes the token of a sign-in; whether there was one. */
export function removeToken(env: Env, signIn: SsoSignIn): boolean {
  return removeQuietly(tokenFile(env, signIn));
}

/** A still valid client registration: the token file's, else the AWS CLI's registration file. */
export function readRegistration(env: Env, signIn: SsoSignIn, nowMs: number): SsoRegistration | undefined {
  const candidates: SsoRegistration[] = [];
  const token = readToken(env, signIn);
  if (token?.clientId && token.clientSecret && token.registrationExpiresAt) {
    candidates.push({
      clientId: token.clientId,
      clientSecret: token.clientSecret,
      expiresAt: token.registrationExpiresAt,
    });
  }
  // The AWS CLI v2's own file; older CLI versions kept the legacy form's in botocore-client-id-REGION.
  const files = [registrationFile(env, signIn)];
  if (signIn.session === null) files.push(join(cacheDir(env), `botocore-client-id-${signIn.ssoRegion}.json`));
  for (const file of files) {
    const cached = readJson(file);
    if (
      cached &&
      typeof cached.clientId === "string" &&
      typeof cached.clientSecret === "string" &&
      typeof cached.expiresAt === "string"
    ) {
      candidates.push(cached as unknown as SsoRegistration);
    }
  }
  // Why 15 minutes: botocore's expiry window; a registration about to lapse is not worth a flow.
  return candidates.find((r) => Date.parse(r.expiresAt) - nowMs > 15 * 60_000);
}

/** Caches a registration where the AWS CLI looks for it. */
export function writeRegistration(env: Env, signIn: SsoSignIn, registration: SsoRegistration): void {
  ensurePrivateDir(cacheDir(env));
  atomicWrite(registrationFile(env, signIn), JSON.stringify(registration));
}

/** An ISO 8601 UTC time without milliseconds, as botocore writes it (`%Y-%m-%dT%H:%M:%SZ`). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
