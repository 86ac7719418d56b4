/**
 * Shared set-up for the STS emulator tests: an isolated AWS environment (never the real ~/.aws),
 * the real SDK loaded after it, a standard world, a raw SigV4 request helper for the cases a real
 * client will not produce, and the rule for tests that need a tool from the machine.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import type { StsEmulator, UserCredentials } from "../../src/sandbox/index.js";
import { base32Encode, startStsEmulator, totp } from "../../src/sandbox/index.js";
import {
  canonicalRequest,
  formatAmzDate,
  type SigV4Claim,
  sha256Hex,
  signingKey,
  stringToSign,
  uriEncode,
} from "../../src/sandbox/sigv4.js";

export const run = promisify(execFile);

/** Static credentials as the SDK takes them. */
export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let awsDir: string | undefined;

/**
 * Points HOME and the AWS config files at an empty temp dir and clears AWS variables, once per test
 * process, so neither the SDK nor a child CLI reads the developer's ~/.aws.
 * @returns the environment for child processes.
 */
export function isolatedAwsEnv(): NodeJS.ProcessEnv {
  if (awsDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "vsw-sts-test-"));
    awsDir = dir;
    writeFileSync(join(dir, "config"), "");
    writeFileSync(join(dir, "credentials"), "");
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, {
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
  }
  return { ...process.env, AWS_PAGER: "", AWS_DEFAULT_REGION: "us-east-1" };
}

/** Loads `@aws-sdk/client-sts` after isolating the environment (it reads config files on load). */
export async function loadSdk() {
  isolatedAwsEnv();
  return import("@aws-sdk/client-sts");
}

export type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/** The standard test world; each test gets its own, so MFA codes spent in one never leak into another. */
export interface TestWorld {
  emu: StsEmulator;
  sdk: Sdk;
  /** 111111111111 `me`, with an MFA device whose seed is {@link TestWorld.seed}. */
  me: UserCredentials & { mfa: { serial: string; secretBase32: string } };
  seed: string;
  /** 444444444444 `stranger`, trusted by no role. */
  stranger: UserCredentials;
  /** An STS client for `creds` against the emulator (us-east-1 unless `region` says otherwise). */
  client(creds: Creds, options?: { region?: string; maxAttempts?: number }): InstanceType<Sdk["STSClient"]>;
}

export const DEV_ROLE = "arn:aws:iam::222222222222:role/dev";
export const LONG_ROLE = "arn:aws:iam::222222222222:role/long";
export const PROD_ROLE = "arn:aws:iam::333333333333:role/prod";
export const PARTNER_ROLE = "arn:aws:iam::555555555555:role/partner";
export const AUDIT_ROLE = "arn:aws:iam::666666666666:role/audit";
export const PARTNER_EXTERNAL_ID = "partner-7f3a";

/**
 * Starts an emulator with: `dev` (trusts account 111111111111), `long` (same, 12 h maximum),
 * `prod` (trusts 111111111111 with MFA), `partner` (trusts `me` by ARN with an external id) and
 * `audit` (trusts sessions of `dev` only). Closed when the test ends.
 */
export async function startWorld(t: TestContext): Promise<TestWorld> {
  const sdk = await loadSdk();
  const emu = await startStsEmulator();
  t.after(() => emu.close());
  const seed = base32Encode(randomBytes(20));
  const me = emu.createUser({
    account: "111111111111",
    name: "me",
    mfa: { serial: "arn:aws:iam::111111111111:mfa/me", secretBase32: seed },
  });
  const stranger = emu.createUser({ account: "444444444444", name: "stranger" });
  emu.createRole({ account: "222222222222", name: "dev", trust: { principals: ["111111111111"] } });
  emu.createRole({
    account: "222222222222",
    name: "long",
    trust: { principals: ["arn:aws:iam::111111111111:root"] },
    maxSessionDuration: 43200,
  });
  emu.createRole({
    account: "333333333333",
    name: "prod",
    trust: { principals: ["111111111111"], requireMfa: true },
  });
  emu.createRole({
    account: "555555555555",
    name: "partner",
    trust: { principals: [me.arn], externalId: PARTNER_EXTERNAL_ID },
  });
  emu.createRole({ account: "666666666666", name: "audit", trust: { principals: [DEV_ROLE] } });
  const client = (creds: Creds, options: { region?: string; maxAttempts?: number } = {}) =>
    new sdk.STSClient({
      endpoint: emu.url,
      region: options.region ?? "us-east-1",
      credentials: creds,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    });
  return { emu, sdk, me: me as TestWorld["me"], seed, stranger, client };
}

/** The SDK's `Credentials` output as client credentials. */
export function credsOf(output: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
}): Creds {
  const c = output.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken, "the response carries credentials");
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** The current code of `seed`, or the code `stepsAhead` steps on (still inside the ±1 window when 1). */
export function codeOf(seed: string, stepsAhead = 0): string {
  return totp(seed, Date.now() / 1000 + stepsAhead * 30);
}

/** A 6-digit code that no step from two behind to two ahead produces, so it is wrong for certain. */
export function wrongCode(seed: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((step) => codeOf(seed, step)));
  for (let n = 0; ; n++) {
    const candidate = String((Number(codeOf(seed)) + 500000 + n) % 1000000).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

/** Asserts that `promise` rejects with an STS error of `code` and HTTP `status` (and `message`, if given). */
export async function rejectsWith(
  promise: Promise<unknown>,
  expected: { code: string; status: number; message?: string | RegExp },
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, expected.code);
    assert.equal(e.$metadata?.httpStatusCode, expected.status);
    if (typeof expected.message === "string") assert.equal(e.message, expected.message);
    else if (expected.message) assert.match(e.message ?? "", expected.message);
    return true;
  });
}

/**
 * Whether a tool a test needs is there. Missing: the test is skipped with the reason, except in CI
 * (CI=true), where a missing tool is a broken machine and fails the test.
 */
export function requireTool(t: TestContext, present: boolean, what: string): boolean {
  if (present) return true;
  if (process.env.CI === "true") assert.fail(`${what} is required in CI (CI=true) but is missing.`);
  t.skip(`${what} is not installed`);
  return false;
}

/** A raw request: what a real client would never send (bad dates, scopes, headers) is set here. */
export interface RawRequest {
  creds: Creds;
  params: Record<string, string>;
  method?: "GET" | "POST";
  /** Put the signature in the query string (a presigned URL) instead of the Authorization header. */
  presign?: boolean;
  /** Seconds a presigned URL stays valid. */
  expires?: number;
  region?: string;
  service?: string;
  /** Signing time in ms; real time when omitted. */
  signedAtMs?: number;
  /** Headers to sign besides `x-amz-date` (and `content-type` for POST); `host` unless dropped. */
  signHost?: boolean;
  /** Changes the body after signing. */
  tamperBody?: (body: string) => string;
}

/** The emulator's raw answer. */
export interface RawResponse {
  status: number;
  body: string;
  /** `Error/Code` of an error response. */
  code: string | undefined;
  message: string | undefined;
}

/**
 * Signs and sends a request with the emulator's own SigV4 functions. Only for cases real clients
 * cannot be made to produce; good signatures are proven by the SDK, the AWS CLI and boto3.
 */
export async function rawRequest(emu: StsEmulator, req: RawRequest): Promise<RawResponse> {
  const method = req.method ?? "POST";
  const amzDate = formatAmzDate(req.signedAtMs ?? Date.now());
  const region = req.region ?? "us-east-1";
  const service = req.service ?? "sts";
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const headers: Record<string, string> = { host: `127.0.0.1:${emu.port}` };
  const query: Record<string, string> = method === "GET" ? { ...req.params } : {};
  const body = method === "POST" ? new URLSearchParams(req.params).toString() : "";
  if (method === "POST") headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  if (req.signHost === false) delete headers.host;
  const signedHeaders = Object.keys(headers)
    .concat(req.presign ? [] : ["x-amz-date"])
    .sort();
  if (req.presign) {
    Object.assign(query, {
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `${req.creds.accessKeyId}/${scope}`,
      "X-Amz-Date": amzDate,
      "X-Amz-Expires": String(req.expires ?? 60),
      "X-Amz-SignedHeaders": signedHeaders.join(";"),
      ...(req.creds.sessionToken ? { "X-Amz-Security-Token": req.creds.sessionToken } : {}),
    });
  } else {
    headers["x-amz-date"] = amzDate;
    if (req.creds.sessionToken) headers["x-amz-security-token"] = req.creds.sessionToken;
  }
  const queryString = Object.entries(query)
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join("&");
  const claim: SigV4Claim = {
    mode: req.presign ? "query" : "header",
    accessKeyId: req.creds.accessKeyId,
    scopeDate: amzDate.slice(0, 8),
    region,
    service,
    amzDate,
    signedHeaders,
    signature: "",
    securityToken: req.creds.sessionToken,
    expiresSeconds: req.presign ? (req.expires ?? 60) : undefined,
  };
  const parts = {
    method,
    path: "/",
    query: queryString,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    payloadHash: sha256Hex(body),
  };
  const key = signingKey(req.creds.secretAccessKey, claim.scopeDate, region, service);
  const signature = createHmac("sha256", key)
    .update(stringToSign(claim, canonicalRequest(parts, claim)))
    .digest("hex");
  let path = `/${queryString ? `?${queryString}` : ""}`;
  if (req.presign) path += `&X-Amz-Signature=${signature}`;
  else {
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${req.creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  }
  headers.host = `127.0.0.1:${emu.port}`;
  return send(emu, method, path, headers, req.tamperBody ? req.tamperBody(body) : body);
}

/** Sends a request as given (no signing) and reads the STS error fields if it failed. */
export function send(
  emu: StsEmulator,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: emu.port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
        const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
        resolve({ status: res.statusCode ?? 0, body: text, code, message });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
