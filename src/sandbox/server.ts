/**
 * The STS emulator's HTTP server: AWS Query protocol requests in (POST form body or GET query
 * string), STS XML out, with authentication, fault injection and a call log for tests.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ACTIONS } from "./actions.js";
import { authenticate } from "./auth.js";
import { createVirtualClock, type VirtualClock } from "./clock.js";
import { internalFailure, invalidAction, StsError } from "./errors.js";
import { createFaultQueue, type FaultSpec } from "./faults.js";
import { ROUTES } from "./routes.js";
// Each registers its route in ROUTES, so after routes.js: issue 12 (web identity, instance and
// container credentials), issue 13 (vsw rotate's IAM calls, vsw login's federation endpoint).
import "./web-identity.js";
import "./machine.js";
import "./iam.js";
import "./federation.js";
import { parseQuery, type SignedRequestParts, sha256Hex } from "./sigv4.js";
import { parseSigV4 } from "./sigv4-claim.js";
import { type SsoAdmin, ssoOf } from "./sso.js";
import type { RoleConfig, RoleInfo, UserConfig, UserCredentials, World } from "./world.js";
import { createWorld, principalAccount, principalArn, type Session } from "./world.js";
import { errorXml, successXml } from "./xml.js";

/** Options of {@link startStsEmulator}. */
export interface StsEmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

/** One request as the emulator saw it, for tests to assert on. */
export interface StsCall {
  /** The `Action` parameter, when there was one. */
  action: string | undefined;
  /** The access key id the request claimed to be signed with, known or not. */
  accessKeyId: string | undefined;
  /** The region of the signature's credential scope. */
  region: string | undefined;
  /** Request parameters without `Action`, `Version`, `X-Amz-*` and `TokenCode`. */
  params: Record<string, string>;
  /** Whether a `TokenCode` was sent; its value is never recorded. */
  tokenCode: boolean;
  status: number;
  /** The STS error code of a failed call. */
  errorCode?: string;
  /** The authenticated caller's ARN, once authentication succeeded. */
  callerArn?: string;
  requestId: string;
}

/** A read-only view of an issued session: its record without the secrets, with dates and the caller's ARN. */
export interface SessionInfo
  extends Pick<
    Session,
    | "kind"
    | "accessKeyId"
    | "mfaAuthenticated"
    | "region"
    | "sourceIdentity"
    | "tags"
    | "transitiveTagKeys"
    | "externalId"
    | "policy"
    | "policyArns"
  > {
  /** The user ARN (GetSessionToken) or assumed-role session ARN (AssumeRole). */
  arn: string;
  account: string;
  issuedAt: Date;
  expiration: Date;
}

/** A running STS emulator. */
export interface StsEmulator {
  /** `http://127.0.0.1:PORT`, the `endpoint` / `--endpoint-url` for clients. */
  readonly url: string;
  readonly port: number;
  /** The virtual clock that times sessions; SigV4 skew and MFA codes use real time. */
  readonly clock: VirtualClock;
  /** Every request so far, oldest first (a live array). */
  readonly calls: readonly StsCall[];
  /** Creates an IAM user; generated keys are in the result. */
  createUser(config: UserConfig): UserCredentials;
  /** Creates a role. */
  createRole(config: RoleConfig): RoleInfo;
  /** Queues a fault for the next matching requests. */
  injectFault(fault: FaultSpec): void;
  /** Drops faults not yet consumed. */
  clearFaults(): void;
  /** Empties {@link StsEmulator.calls}. */
  resetCalls(): void;
  /** How many calls (of `action`, or of any action) succeeded. */
  successCount(action?: string): number;
  /** The session behind a temporary access key. */
  session(accessKeyId: string): SessionInfo | undefined;
  /** IAM Identity Center: assignments, device-code approval, token settings (sso.ts). */
  readonly sso: SsoAdmin;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
  /** The world itself, for tests that look at or tune IAM state (a user's keys, `newKeyDelayMs`). */
  readonly world: World;
}

/** Larger bodies are refused; an STS request is a few kilobytes at most. */
const MAX_BODY_BYTES = 1024 * 1024;
const API_VERSION = "2011-06-15";

/**
 * Starts an STS emulator on 127.0.0.1 with an empty world.
 * @example
 * const emu = await startStsEmulator();
 * const me = emu.createUser({ account: "111111111111", name: "me" });
 * const sts = new STSClient({ endpoint: emu.url, region: "us-east-1", credentials: me });
 */
export async function startStsEmulator(options: StsEmulatorOptions = {}): Promise<StsEmulator> {
  const clock = createVirtualClock();
  const world = createWorld(clock);
  const faults = createFaultQueue();
  const calls: StsCall[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`sts-emulator: failed to answer a request: ${String(error)}\n`);
      res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const call: StsCall = {
      action: undefined,
      accessKeyId: undefined,
      region: undefined,
      params: {},
      tokenCode: false,
      status: 0,
      requestId,
    };
    let status = 200;
    let body: string;
    try {
      const payload = await readBody(req);
      const [path = "/", query = ""] = (req.url ?? "/").split(/\?(.*)/s);
      const params = requestParams(req, query, payload);
      const action = params.get("Action");
      Object.assign(call, { action, ...recordedParams(params) });
      const parts: SignedRequestParts = {
        method: req.method ?? "GET",
        path,
        query,
        headers: req.headersDistinct,
        payloadHash: sha256Hex(payload),
      };
      noteClaim(call, parts);
      const context = { req, method: parts.method, path, query, payload, parts, world, clock, requestId };
      for (const route of ROUTES) {
        const reply = await route(context);
        if (reply === undefined) continue;
        Object.assign(call, {
          action: reply.action,
          status: reply.status,
          errorCode: reply.errorCode,
          callerArn: reply.callerArn,
        });
        calls.push(call);
        res.writeHead(reply.status, {
          "Content-Length": Buffer.byteLength(reply.body),
          "x-amzn-RequestId": requestId,
          ...reply.headers,
        });
        res.end(reply.body);
        return;
      }
      const fault = faults.take(action);
      if (fault.kind === "delay") await sleep(fault.ms, undefined, { ref: false });
      if (fault.kind === "fail") throw fault.error;
      const caller = authenticate(parts, world, { wallMs: Date.now(), virtualMs: clock.nowMs() });
      call.callerArn = principalArn(caller.principal);
      if (action === undefined) throw new StsError(400, "MissingAction", "Request is missing Action");
      const version = params.get("Version");
      // `Object.hasOwn`: an Action such as "constructor" must not reach Object.prototype.
      const handler = version === API_VERSION && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler) throw invalidAction(action, version);
      const result = handler({ world, caller, params, wallSeconds: Date.now() / 1000 });
      body = successXml(action, result, requestId);
    } catch (error) {
      const stsError = error instanceof StsError ? error : internalFailure();
      if (!(error instanceof StsError)) {
        process.stderr.write(`sts-emulator: internal error: ${String(error)}\n`);
      }
      status = stsError.status;
      call.errorCode = stsError.code;
      body = errorXml(stsError, requestId);
    }
    call.status = status;
    calls.push(call);
    res.writeHead(status, {
      "Content-Type": "text/xml",
      "Content-Length": Buffer.byteLength(body),
      "x-amzn-RequestId": requestId,
    });
    res.end(body);
  }

  // Loopback only, on purpose: the emulator hands out credentials to anyone who can reach it.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clock,
    calls,
    world,
    createUser: (config) => world.createUser(config),
    createRole: (config) => world.createRole(config),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    resetCalls() {
      calls.length = 0;
    },
    successCount: (action) =>
      calls.filter((c) => c.status === 200 && (action === undefined || c.action === action)).length,
    session(accessKeyId) {
      const owner = world.findKey(accessKeyId);
      return owner?.kind === "session" ? sessionInfo(owner.session) : undefined;
    },
    sso: ssoOf(world, clock),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Reads the body, refusing more than {@link MAX_BODY_BYTES} (the rest is drained, not kept). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        reject(new StsError(413, "RequestEntityTooLarge", "Request body is too large."));
      } else {
        resolve(Buffer.concat(chunks));
      }
    });
    req.on("error", reject);
  });
}

/**
 * The AWS Query parameters: the query string, then a form-encoded body (which wins on a clash).
 * A body of another content type carries no parameters.
 */
function requestParams(req: IncomingMessage, query: string, payload: Buffer): Map<string, string> {
  const params = new Map(parseQuery(query));
  const type = req.headers["content-type"];
  if (payload.length > 0 && (type === undefined || type.includes("application/x-www-form-urlencoded"))) {
    for (const [name, value] of new URLSearchParams(payload.toString("utf8"))) params.set(name, value);
  }
  return params;
}

/** What the call log keeps of the parameters: no signature material, never the MFA code or a web identity token. */
function recordedParams(params: ReadonlyMap<string, string>): Pick<StsCall, "params" | "tokenCode"> {
  const kept: Record<string, string> = {};
  for (const [name, value] of params) {
    // `Session` and `SigninToken` are the federation endpoint's (vsw login): secrets, never kept.
    if (
      name === "Action" ||
      name === "Version" ||
      name === "TokenCode" ||
      name === "WebIdentityToken" ||
      name === "Session" ||
      name === "SigninToken" ||
      name.startsWith("X-Amz-")
    ) {
      continue;
    }
    kept[name] = value;
  }
  return { params: kept, tokenCode: params.has("TokenCode") };
}

/** Records the claimed key and region before authentication, so failed calls show them too. */
function noteClaim(call: StsCall, parts: SignedRequestParts): void {
  try {
    const claim = parseSigV4(parts);
    call.accessKeyId = claim.accessKeyId;
    call.region = claim.region;
  } catch {
    // Unsigned or unparsable: authentication will report it.
  }
}

function sessionInfo(session: Session): SessionInfo {
  return {
    kind: session.kind,
    accessKeyId: session.accessKeyId,
    arn: principalArn(session.principal),
    account: principalAccount(session.principal),
    mfaAuthenticated: session.mfaAuthenticated,
    region: session.region,
    issuedAt: new Date(session.issuedAtMs),
    expiration: new Date(session.expiresAtMs),
    sourceIdentity: session.sourceIdentity,
    tags: { ...session.tags },
    transitiveTagKeys: [...session.transitiveTagKeys],
    externalId: session.externalId,
    policy: session.policy,
    policyArns: [...session.policyArns],
  };
}
