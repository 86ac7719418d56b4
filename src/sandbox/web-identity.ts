/**
 * AssumeRoleWithWebIdentity for the emulator: an unsigned STS Query call (no SigV4, as at AWS), whose
 * `WebIdentityToken` is checked against the role's trust (`RoleTrust.webIdentity`): a JWT signed by
 * the emulator's own identity provider ({@link webIdentityToken}), with the trusted issuer, the
 * audience and an allowed subject, not expired on the emulator's virtual clock.
 * Errors are worded and coded as STS answers them (STS API reference, AssumeRoleWithWebIdentity).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { StsError } from "./errors.js";
import { ROUTES, type RouteContext, type RouteReply } from "./routes.js";
import { parseQuery } from "./sigv4.js";
import { createValidator } from "./validate.js";
import { plainRoleGrant, principalArn } from "./world.js";
import { errorXml, isoSeconds, successXml } from "./xml.js";

const ACTION = "AssumeRoleWithWebIdentity";

/** The emulator's identity provider key: per process, so no token outlives the test run. */
const SIGNING_KEY = randomBytes(32);

/** Claims of a token made by {@link webIdentityToken}. */
export interface WebIdentityClaims {
  issuer: string;
  audience: string;
  subject: string;
  /** Seconds since the epoch when the token expires; default one hour after `issuedAt`. */
  expiresAt?: number;
  /** Seconds since the epoch; default now (real time). */
  issuedAt?: number;
}

/**
 * A JWT (HS256) from the emulator's identity provider, what an OIDC issuer (GitHub Actions, an EKS
 * service account) writes into the token file. Only this emulator process can verify it.
 */
export function webIdentityToken(claims: WebIdentityClaims): string {
  const iat = claims.issuedAt ?? Math.floor(Date.now() / 1000);
  const header = encode({ alg: "HS256", typ: "JWT" });
  const payload = encode({
    iss: claims.issuer,
    aud: claims.audience,
    sub: claims.subject,
    iat,
    exp: claims.expiresAt ?? iat + 3600,
  });
  return `${header}.${payload}.${sign(`${header}.${payload}`)}`;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function sign(text: string): string {
  return createHmac("sha256", SIGNING_KEY).update(text).digest("base64url");
}

interface Claims {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  exp?: unknown;
}

/** The verified claims of a token, or InvalidIdentityToken as STS words a token it cannot read. */
function verify(token: string): Claims {
  const invalid = () =>
    new StsError(
      400,
      "InvalidIdentityToken",
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    );
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid();
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new StsError(400, "InvalidIdentityToken", "Couldn't verify the signature of the token.");
  }
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
  } catch {
    throw invalid();
  }
}

/** The call's parameters: query string, then a form body (as the STS server reads them). */
function paramsOf({ req, query, payload }: RouteContext): Map<string, string> {
  const params = new Map(parseQuery(query));
  const type = req.headers["content-type"];
  if (payload.length > 0 && (type === undefined || type.includes("application/x-www-form-urlencoded"))) {
    for (const [name, value] of new URLSearchParams(payload.toString("utf8"))) params.set(name, value);
  }
  return params;
}

function assumeRoleWithWebIdentity(context: RouteContext): RouteReply | undefined {
  if (context.path !== "/") return undefined;
  const params = paramsOf(context);
  if (params.get("Action") !== ACTION) return undefined;
  const { world, clock, requestId } = context;
  try {
    const v = createValidator(params);
    const roleArn = v.string("RoleArn", { required: true, min: 20, max: 2048 });
    const sessionName = v.string("RoleSessionName", {
      required: true,
      min: 2,
      max: 64,
      pattern: "[\\w+=,.@-]*",
    });
    const token = v.string("WebIdentityToken", { required: true, min: 4, max: 20000, sensitive: true });
    const requested = v.integer("DurationSeconds", 900, 43200);
    v.done();
    if (roleArn === undefined || sessionName === undefined || token === undefined) return undefined;
    const claims = verify(token);
    const role = world.findRole(roleArn);
    const trust = role?.trust.webIdentity;
    if (!role || !trust || claims.iss !== trust.issuer) {
      // Why: the provider is looked up by the token's issuer in the role's account first.
      if (role && trust === undefined) throw notAuthorized(roleArn);
      throw new StsError(
        400,
        "InvalidIdentityToken",
        `No OpenIDConnect provider found in your account for ${String(claims.iss)}`,
      );
    }
    const nowSeconds = Math.floor(clock.nowMs() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) {
      throw new StsError(
        400,
        "ExpiredTokenException",
        `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${typeof claims.exp === "number" ? claims.exp : 0}`,
      );
    }
    const subjectOk = trust.subjects === undefined || trust.subjects.includes(String(claims.sub));
    if (claims.aud !== trust.audience || !subjectOk) throw notAuthorized(roleArn);
    const duration = requested ?? 3600;
    if (duration > role.maxSessionDuration) {
      throw new StsError(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    const session = world.issueSession(plainRoleGrant(role, sessionName), duration);
    const arn = principalArn(session.principal);
    const body = successXml(
      ACTION,
      [
        [
          "Credentials",
          [
            ["AccessKeyId", session.accessKeyId],
            ["SecretAccessKey", session.secretAccessKey],
            ["SessionToken", session.sessionToken],
            ["Expiration", isoSeconds(session.expiresAtMs)],
          ],
        ],
        ["SubjectFromWebIdentityToken", String(claims.sub)],
        [
          "AssumedRoleUser",
          [
            ["AssumedRoleId", `${role.roleId}:${sessionName}`],
            ["Arn", arn],
          ],
        ],
        ["Provider", trust.issuer.replace(/^https:\/\//, "")],
        ["Audience", trust.audience],
      ],
      requestId,
    );
    return { status: 200, headers: { "Content-Type": "text/xml" }, body, action: ACTION, callerArn: arn };
  } catch (error) {
    if (!(error instanceof StsError)) throw error;
    return {
      status: error.status,
      headers: { "Content-Type": "text/xml" },
      body: errorXml(error, requestId),
      action: ACTION,
      errorCode: error.code,
    };
  }
}

function notAuthorized(roleArn: string): StsError {
  return new StsError(
    403,
    "AccessDenied",
    `Not authorized to perform sts:AssumeRoleWithWebIdentity on resource: ${roleArn}`,
  );
}

ROUTES.push(assumeRoleWithWebIdentity);
