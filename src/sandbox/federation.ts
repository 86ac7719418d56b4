/**
 * A stand-in for the AWS federation endpoint (`https://signin.aws.amazon.com/federation`), as a
 * {@link Route} on `GET /federation`:
 *
 * - `Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}[&SessionDuration=N]`
 *   checks that the three are a live emulator session (a role or federation-token session; never
 *   a long-term key nor a GetSessionToken session) and answers `{"SigninToken": …}`. The token is
 *   `base64url(JSON {"sessionId", "nonce"})`, so a test can decode which session it stands for;
 *   it is valid for 15 minutes of real time, like AWS's.
 * - `Action=login&Issuer=…&Destination=…&SigninToken=…` answers a 302 to `Destination` for a
 *   known, unexpired token, else 400.
 *
 * AWS's rules kept: SessionDuration 900–43200, and refused for GetFederationToken credentials
 * (their console session lasts as long as the token).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ROUTES, type RouteContext, type RouteReply } from "./routes.js";

/** How long a sign-in token is accepted (AWS: 15 minutes). */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/** Issued tokens, per world: token → who and until when. */
const issued = new WeakMap<object, Map<string, { sessionId: string; untilMs: number }>>();

/** What a test reads back from a sign-in token. */
export interface SigninTokenClaim {
  sessionId: string;
  nonce: string;
}

/** Decodes a stand-in sign-in token (tests). */
export function decodeSigninToken(token: string): SigninTokenClaim {
  return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as SigninTokenClaim;
}

export function federationRoute(context: RouteContext): RouteReply | undefined {
  if (context.path !== "/federation") return undefined;
  const params = new URLSearchParams(context.query);
  const action = params.get("Action");
  const tokens = issued.get(context.world) ?? new Map();
  issued.set(context.world, tokens);
  if (context.method !== "GET") return fail("federation", 405, "Use GET.");
  if (action === "getSigninToken") {
    let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
    try {
      session = JSON.parse(params.get("Session") ?? "");
    } catch {
      return fail("getSigninToken", 400, "Session is not JSON.");
    }
    const { sessionId, sessionKey, sessionToken } = session;
    if (typeof sessionId !== "string" || typeof sessionKey !== "string" || typeof sessionToken !== "string") {
      return fail("getSigninToken", 400, "Session needs sessionId, sessionKey and sessionToken.");
    }
    const owner = context.world.findKey(sessionId);
    if (
      owner?.kind !== "session" ||
      !same(owner.session.secretAccessKey, sessionKey) ||
      !same(owner.session.sessionToken, sessionToken)
    ) {
      return fail("getSigninToken", 400, "The session credentials are not valid.");
    }
    // AWS signs in only role and federated-user sessions, not an IAM user's GetSessionToken session.
    if (owner.session.kind === "session-token") {
      return fail("getSigninToken", 400, "GetSessionToken credentials cannot sign in to the console.");
    }
    if (owner.session.expiresAtMs <= context.clock.nowMs()) {
      return fail("getSigninToken", 400, "The session credentials have expired.");
    }
    const duration = params.get("SessionDuration");
    if (duration !== null) {
      const seconds = Number(duration);
      if (owner.session.kind === "federation-token") {
        return fail(
          "getSigninToken",
          400,
          "SessionDuration cannot be used with GetFederationToken credentials.",
        );
      }
      if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) {
        return fail("getSigninToken", 400, "SessionDuration must be 900 to 43200 seconds.");
      }
    }
    const claim: SigninTokenClaim = { sessionId, nonce: randomBytes(16).toString("base64url") };
    const token = Buffer.from(JSON.stringify(claim)).toString("base64url");
    tokens.set(token, { sessionId, untilMs: Date.now() + TOKEN_LIFETIME_MS });
    return {
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ SigninToken: token }),
      action: "getSigninToken",
    };
  }
  if (action === "login") {
    const token = params.get("SigninToken") ?? "";
    const destination = params.get("Destination") ?? "";
    const known = tokens.get(token);
    if (!known || known.untilMs < Date.now()) return fail("login", 400, "The sign-in token is not valid.");
    if (!/^https:\/\//.test(destination)) return fail("login", 400, "Destination must be an https URL.");
    return { status: 302, headers: { Location: destination }, body: "", action: "login" };
  }
  return fail("federation", 400, `Unknown Action "${action ?? ""}".`);
}

function fail(action: string, status: number, message: string): RouteReply {
  return {
    status,
    headers: { "Content-Type": "text/plain" },
    body: `${message}\n`,
    action,
    errorCode: "FederationError",
  };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

ROUTES.push(federationRoute);
