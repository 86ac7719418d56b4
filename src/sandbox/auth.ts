/**
 * Authentication: who signed a request, checked the way STS checks it. SigV4 proves possession of
 * the secret; the session token ties a temporary key to its session; the virtual clock decides
 * whether that session has expired.
 */
import { timingSafeEqual } from "node:crypto";
import type { Caller } from "./actions.js";
import { expiredToken, invalidClientTokenId, signatureDoesNotMatch } from "./errors.js";
import { type SignedRequestParts, signatureMatches } from "./sigv4.js";
import { checkClaim, parseSigV4 } from "./sigv4-claim.js";
import type { World } from "./world.js";

/** The clocks authentication reads. */
export interface AuthClocks {
  /** Real time: signing time and skew are judged by it, as clients sign with real time. */
  wallMs: number;
  /** The emulator's virtual time: session expiry is judged by it, so tests can fast-forward. */
  virtualMs: number;
}

/**
 * Authenticates a request.
 * @throws {StsError} MissingAuthenticationToken, IncompleteSignature, SignatureDoesNotMatch,
 * InvalidClientTokenId or ExpiredToken.
 */
export function authenticate(
  parts: SignedRequestParts,
  world: World,
  clocks: AuthClocks,
  service = "sts",
): Caller {
  const claim = parseSigV4(parts);
  checkClaim(claim, clocks.wallMs, service);
  const owner = world.findKey(claim.accessKeyId);
  if (!owner) throw invalidClientTokenId();
  const token = claim.securityToken === "" ? undefined : claim.securityToken;

  if (owner.kind === "user") {
    // A token sent with a long-term key names a session that key does not have; STS refuses it
    // as an invalid token rather than ignoring it.
    if (token !== undefined) throw invalidClientTokenId();
    // A deactivated key, or a new one IAM has not propagated yet, is unknown to STS.
    if (owner.key.status !== "Active" || clocks.wallMs < owner.key.usableFromWallMs) {
      throw invalidClientTokenId();
    }
    if (!signatureMatches(parts, claim, owner.key.secretAccessKey)) throw signatureDoesNotMatch();
    const principal = { kind: "user", user: owner.user } as const;
    return { accessKeyId: claim.accessKeyId, region: claim.region, principal, session: undefined };
  }

  const { session } = owner;
  // A temporary key is only valid together with its own session token (STS answers a missing or
  // foreign token with InvalidClientTokenId).
  if (token === undefined || !sameText(token, session.sessionToken)) throw invalidClientTokenId();
  if (session.expiresAtMs <= clocks.virtualMs) throw expiredToken();
  if (!signatureMatches(parts, claim, session.secretAccessKey)) throw signatureDoesNotMatch();
  return { accessKeyId: claim.accessKeyId, region: claim.region, principal: session.principal, session };
}

/** Constant-time string equality; the token is a bearer secret. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
