/**
 * IAM Identity Center in the emulator: the SSO-OIDC API (RegisterClient, StartDeviceAuthorization,
 * CreateToken with the device-code and refresh-token grants) and the SSO portal API
 * (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout), both restJson1 as AWS serves them.
 * Role credentials are sessions of an `AWSReservedSSO_<role>_…` role of the world, so STS accepts
 * them (AssumeRole chained from SSO works). Tokens expire on the emulator's virtual clock. A test
 * approves a device code with `emu.sso.approve(userCode)`.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { VirtualClock } from "./clock.js";
import { ROUTES, type RouteContext, type RouteReply } from "./routes.js";
import { plainRoleGrant, type RoleInfo, type World } from "./world.js";

/** An account/role pair the signed-in user may use (a permission set assigned to them). */
export interface SsoAssignment {
  accountId: string;
  /** What ListAccounts answers as `accountName`. */
  accountName: string;
  roleName: string;
  /** How long role credentials live (the permission set's session duration), default 3600 s. */
  sessionSeconds?: number;
}

/** The test API of the emulator's IAM Identity Center. */
export interface SsoAdmin {
  /** Gives the user access to a role in an account; creates the `AWSReservedSSO_…` role in the world. */
  assign(assignment: SsoAssignment): RoleInfo;
  /** Approves a pending device authorization by its user code (what the user types in the browser). */
  approve(userCode: string, userName?: string): void;
  /** Denies a pending device authorization (the user pressed "Deny"). */
  deny(userCode: string): void;
  /** The user codes waiting for approval, oldest first. */
  pendingCodes(): string[];
  /** Whether `accessToken` is a live token (issued, not expired, not logged out). */
  isLive(accessToken: string): boolean;
  /** Settings: token lifetimes (seconds), the polling interval clients are told, page size. */
  settings: {
    accessTokenSeconds: number;
    refreshTokenSeconds: number;
    deviceCodeSeconds: number;
    interval: number;
    /** The polling interval the emulator enforces (slow_down when faster), default `interval`. */
    enforcedInterval?: number;
    pageSize: number;
  };
}

interface Client {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  expiresAtMs: number;
}
interface Device {
  deviceCode: string;
  userCode: string;
  clientId: string;
  startUrl: string;
  expiresAtMs: number;
  state: "pending" | "approved" | "denied" | "used";
  userName?: string;
  lastPollMs: number;
}
interface Token {
  userName: string;
  clientId: string;
  startUrl: string;
  expiresAtMs: number;
}

interface SsoState extends SsoAdmin {
  clients: Map<string, Client>;
  devices: Map<string, Device>;
  accessTokens: Map<string, Token>;
  refreshTokens: Map<string, Token & { scopes: string[] }>;
  assignments: SsoAssignment[];
  roles: Map<string, RoleInfo>;
}

const STATES = new WeakMap<World, SsoState>();

/** The IAM Identity Center of `world` (one per emulator), created on first use. */
export function ssoOf(world: World, clock: VirtualClock): SsoAdmin {
  const state = STATES.get(world);
  if (state) return state;
  const created: SsoState = {
    clients: new Map(),
    devices: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    assignments: [],
    roles: new Map(),
    settings: {
      accessTokenSeconds: 8 * 3600,
      refreshTokenSeconds: 90 * 86400,
      deviceCodeSeconds: 600,
      interval: 1,
      pageSize: 2,
    },
    assign(assignment) {
      const key = `${assignment.accountId}/${assignment.roleName}`;
      let role = created.roles.get(key);
      if (!role) {
        role = world.createRole({
          account: assignment.accountId,
          name: `AWSReservedSSO_${assignment.roleName}_${randomBytes(8).toString("hex")}`,
          // Only IAM Identity Center itself assumes these roles (its SAML provider).
          trust: { principals: [] },
          maxSessionDuration: Math.max(3600, assignment.sessionSeconds ?? 3600),
        });
        created.roles.set(key, role);
      }
      created.assignments.push({ ...assignment });
      return role;
    },
    approve(userCode, userName = "tester") {
      const device = [...created.devices.values()].find((d) => d.userCode === userCode);
      if (device?.state !== "pending") throw new Error(`No pending device code "${userCode}".`);
      device.state = "approved";
      device.userName = userName;
    },
    deny(userCode) {
      const device = [...created.devices.values()].find((d) => d.userCode === userCode);
      if (!device) throw new Error(`No device code "${userCode}".`);
      device.state = "denied";
    },
    pendingCodes: () =>
      [...created.devices.values()]
        .filter((d) => d.state === "pending" && d.expiresAtMs > clock.nowMs())
        .map((d) => d.userCode),
    isLive(accessToken) {
      const token = created.accessTokens.get(accessToken);
      return token !== undefined && token.expiresAtMs > clock.nowMs();
    },
  };
  STATES.set(world, created);
  return created;
}

ROUTES.push(async (context) => {
  const { path, method } = context;
  const state = ssoOf(context.world, context.clock);
  if (method === "POST" && path === "/client/register") return register(context, state as SsoState);
  if (method === "POST" && path === "/device_authorization") return authorize(context, state as SsoState);
  if (method === "POST" && path === "/token") return token(context, state as SsoState);
  if (method === "GET" && path === "/federation/credentials")
    return roleCredentials(context, state as SsoState);
  if (method === "GET" && path === "/assignment/accounts") return listAccounts(context, state as SsoState);
  if (method === "GET" && path === "/assignment/roles") return listRoles(context, state as SsoState);
  if (method === "POST" && path === "/logout") return logout(context, state as SsoState);
  return undefined;
});

function json(action: string, body: unknown, status = 200): RouteReply {
  return { action, status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

/** An SSO-OIDC error as AWS answers it: OAuth's `error` in the body, the shape in `x-amzn-ErrorType`. */
function oidcError(
  action: string,
  status: number,
  type: string,
  error: string,
  description: string,
): RouteReply {
  return {
    action,
    status,
    errorCode: type,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": type },
    body: JSON.stringify({ error, error_description: description }),
  };
}

/** A portal error as AWS answers it: `message` in the body, the shape in `x-amzn-ErrorType`. */
function portalError(action: string, status: number, type: string, message: string): RouteReply {
  return {
    action,
    status,
    errorCode: type,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": type },
    body: JSON.stringify({ message }),
  };
}

function body(context: RouteContext): Record<string, unknown> {
  try {
    const parsed = JSON.parse(context.payload.toString("utf8") || "{}") as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function opaque(prefix: string, bytes = 48): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

function register(context: RouteContext, state: SsoState): RouteReply {
  const input = body(context);
  if (typeof input.clientName !== "string" || input.clientType !== "public") {
    return oidcError(
      "RegisterClient",
      400,
      "InvalidRequestException",
      "invalid_request",
      "clientName and clientType public are required",
    );
  }
  const now = context.clock.nowMs();
  const client: Client = {
    clientId: opaque("client-", 18),
    clientSecret: opaque("secret-"),
    scopes: Array.isArray(input.scopes) ? input.scopes.map(String) : [],
    expiresAtMs: now + 90 * 86400_000,
  };
  state.clients.set(client.clientId, client);
  return json("RegisterClient", {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    clientIdIssuedAt: Math.floor(now / 1000),
    clientSecretExpiresAt: Math.floor(client.expiresAtMs / 1000),
  });
}

function knownClient(state: SsoState, input: Record<string, unknown>, now: number): Client | undefined {
  const client = state.clients.get(String(input.clientId));
  return client && client.clientSecret === input.clientSecret && client.expiresAtMs > now
    ? client
    : undefined;
}

function authorize(context: RouteContext, state: SsoState): RouteReply {
  const input = body(context);
  const now = context.clock.nowMs();
  const client = knownClient(state, input, now);
  if (!client)
    return oidcError(
      "StartDeviceAuthorization",
      401,
      "InvalidClientException",
      "invalid_client",
      "Invalid client",
    );
  if (typeof input.startUrl !== "string" || !/^https:\/\//.test(input.startUrl)) {
    return oidcError(
      "StartDeviceAuthorization",
      400,
      "InvalidRequestException",
      "invalid_request",
      "startUrl is required",
    );
  }
  const userCode = `${letters(4)}-${letters(4)}`;
  const device: Device = {
    deviceCode: opaque("device-"),
    userCode,
    clientId: client.clientId,
    startUrl: input.startUrl,
    expiresAtMs: now + state.settings.deviceCodeSeconds * 1000,
    state: "pending",
    lastPollMs: 0,
  };
  state.devices.set(device.deviceCode, device);
  const verificationUri = `${input.startUrl.replace(/\/start\/?$/, "")}/start/#/device`;
  return json("StartDeviceAuthorization", {
    deviceCode: device.deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
    expiresIn: state.settings.deviceCodeSeconds,
    interval: state.settings.interval,
  });
}

function token(context: RouteContext, state: SsoState): RouteReply {
  const input = body(context);
  const now = context.clock.nowMs();
  const client = knownClient(state, input, now);
  if (!client)
    return oidcError("CreateToken", 401, "InvalidClientException", "invalid_client", "Invalid client");
  if (input.grantType === "refresh_token") {
    const old = state.refreshTokens.get(String(input.refreshToken));
    if (!old || old.clientId !== client.clientId || old.expiresAtMs <= now) {
      return oidcError(
        "CreateToken",
        400,
        "InvalidGrantException",
        "invalid_grant",
        "Invalid refresh token provided",
      );
    }
    // Refresh tokens rotate: the old one is spent.
    state.refreshTokens.delete(String(input.refreshToken));
    return issue(state, client, old.userName, old.startUrl, now);
  }
  if (input.grantType !== "urn:ietf:params:oauth:grant-type:device_code") {
    return oidcError(
      "CreateToken",
      400,
      "UnsupportedGrantTypeException",
      "unsupported_grant_type",
      "Unsupported grant type",
    );
  }
  const device = state.devices.get(String(input.deviceCode));
  if (!device || device.clientId !== client.clientId || device.state === "used") {
    return oidcError(
      "CreateToken",
      400,
      "InvalidGrantException",
      "invalid_grant",
      "Invalid device code provided",
    );
  }
  if (device.expiresAtMs <= now) {
    return oidcError("CreateToken", 400, "ExpiredTokenException", "expired_token", "Device code has expired");
  }
  if (device.state === "denied") {
    return oidcError(
      "CreateToken",
      400,
      "AccessDeniedException",
      "access_denied",
      "The user denied the request",
    );
  }
  if (device.state === "pending") {
    // RFC 8628 §3.5: polling faster than the interval is answered with slow_down.
    const enforced = state.settings.enforcedInterval ?? state.settings.interval;
    const early = now - device.lastPollMs < enforced * 1000 - 200;
    device.lastPollMs = now;
    return early
      ? oidcError("CreateToken", 400, "SlowDownException", "slow_down", "Client is polling too quickly")
      : oidcError(
          "CreateToken",
          400,
          "AuthorizationPendingException",
          "authorization_pending",
          "Authorization is still pending",
        );
  }
  device.state = "used";
  return issue(state, client, device.userName ?? "tester", device.startUrl, now);
}

function issue(state: SsoState, client: Client, userName: string, startUrl: string, now: number): RouteReply {
  const accessToken = opaque("aoa", 96);
  const lifetime = state.settings.accessTokenSeconds;
  state.accessTokens.set(accessToken, {
    userName,
    clientId: client.clientId,
    startUrl,
    expiresAtMs: now + lifetime * 1000,
  });
  const out: Record<string, unknown> = { accessToken, tokenType: "Bearer", expiresIn: lifetime };
  // As IAM Identity Center: a refresh token only for a client registered with scopes.
  if (client.scopes.length) {
    const refreshToken = opaque("aor", 96);
    state.refreshTokens.set(refreshToken, {
      userName,
      clientId: client.clientId,
      startUrl,
      scopes: client.scopes,
      expiresAtMs: now + state.settings.refreshTokenSeconds * 1000,
    });
    out.refreshToken = refreshToken;
  }
  return json("CreateToken", out);
}

/** The token of the `x-amz-sso_bearer_token` header, when live. */
function bearer(context: RouteContext, state: SsoState): Token | undefined {
  const header = context.req.headers["x-amz-sso_bearer_token"];
  const value = Array.isArray(header) ? header[0] : header;
  const token = value ? state.accessTokens.get(value) : undefined;
  return token && token.expiresAtMs > context.clock.nowMs() ? token : undefined;
}

function query(context: RouteContext): URLSearchParams {
  return new URLSearchParams(context.query);
}

function roleCredentials(context: RouteContext, state: SsoState): RouteReply {
  const action = "GetRoleCredentials";
  const user = bearer(context, state);
  if (!user) return portalError(action, 401, "UnauthorizedException", "Session token not found or invalid");
  const q = query(context);
  const accountId = q.get("account_id") ?? "";
  const roleName = q.get("role_name") ?? "";
  const assignment = state.assignments.find((a) => a.accountId === accountId && a.roleName === roleName);
  const role = state.roles.get(`${accountId}/${roleName}`);
  if (!assignment || !role) return portalError(action, 403, "ForbiddenException", "No access");
  const session = context.world.issueSession(
    plainRoleGrant(role, user.userName),
    assignment.sessionSeconds ?? 3600,
  );
  return json(action, {
    roleCredentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiration: session.expiresAtMs,
    },
  });
}

/** One page of `items`, `max_result` long (the emulator's page size when smaller), after `next_token`. */
function page<T>(context: RouteContext, state: SsoState, items: T[]): { items: T[]; nextToken?: string } {
  const q = query(context);
  const size = Math.min(
    Number(q.get("max_result") ?? state.settings.pageSize) || state.settings.pageSize,
    state.settings.pageSize,
  );
  const start = Number(q.get("next_token") ?? 0) || 0;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, nextToken: String(start + size) } : { items: slice };
}

function listAccounts(context: RouteContext, state: SsoState): RouteReply {
  const action = "ListAccounts";
  if (!bearer(context, state))
    return portalError(action, 401, "UnauthorizedException", "Session token not found or invalid");
  const accounts = new Map<string, { accountId: string; accountName: string; emailAddress: string }>();
  for (const a of state.assignments) {
    accounts.set(a.accountId, {
      accountId: a.accountId,
      accountName: a.accountName,
      emailAddress: `aws+${a.accountId}@example.com`,
    });
  }
  const { items, nextToken } = page(context, state, [...accounts.values()]);
  return json(action, { accountList: items, ...(nextToken ? { nextToken } : {}) });
}

function listRoles(context: RouteContext, state: SsoState): RouteReply {
  const action = "ListAccountRoles";
  if (!bearer(context, state))
    return portalError(action, 401, "UnauthorizedException", "Session token not found or invalid");
  const accountId = query(context).get("account_id");
  const roles = state.assignments
    .filter((a) => a.accountId === accountId)
    .map((a) => ({ roleName: a.roleName, accountId: a.accountId }));
  const { items, nextToken } = page(context, state, roles);
  return json(action, { roleList: items, ...(nextToken ? { nextToken } : {}) });
}

function logout(context: RouteContext, state: SsoState): RouteReply {
  const header = context.req.headers["x-amz-sso_bearer_token"];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !state.accessTokens.has(value)) {
    return portalError("Logout", 401, "UnauthorizedException", "Session token not found or invalid");
  }
  state.accessTokens.delete(value);
  return { action: "Logout", status: 200, body: "" };
}

function letters(n: number): string {
  // No vowels or look-alikes, as IAM Identity Center's user codes.
  const alphabet = "BCDFGHJKLMNPQRSTVWXZ";
  return Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
}
