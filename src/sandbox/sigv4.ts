/**
 * AWS Signature Version 4, the verifying side, written from the AWS "Signature Version 4 signing
 * process" documentation with `node:crypto` only. No SDK signer is imported on purpose: a verifier
 * that shares code with the client it checks would agree with that client's bugs.
 *
 * The flow is parse the claim (no secret needed, `sigv4-claim.ts`) → scope and time checks → look
 * up the secret → verify (this file).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The only SigV4 algorithm STS accepts (SigV4a is for multi-region S3 access points). */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * How far a request's signing time may be from the server's clock, either way. AWS allows 15
 * minutes ("Signature expired: … (… - 15 min.)").
 */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** The parts of an HTTP request that SigV4 covers, as they arrived on the wire. */
export interface SignedRequestParts {
  method: string;
  /** The path without the query string, still percent-encoded as sent. */
  path: string;
  /** The raw query string without `?`, still percent-encoded as sent. */
  query: string;
  /** Header values by lower-case name; a header sent twice has two values. */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** Hex SHA-256 of the body as received. */
  payloadHash: string;
}

/** What a SigV4 `Authorization` header or presigned query string claims. */
export interface SigV4Claim {
  mode: "header" | "query";
  accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  /** The signing time in ISO 8601 basic format, `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  securityToken: string | undefined;
  /** Presigned URLs only: seconds the signature stays valid after `amzDate`. */
  expiresSeconds: number | undefined;
}

/** Hex SHA-256, the hash SigV4 uses for payloads and canonical requests. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `YYYYMMDDTHHMMSSZ` for a time in milliseconds. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** Milliseconds for a `YYYYMMDDTHHMMSSZ` time, `NaN` when it is not one. */
export function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Splits a raw query string into decoded name/value pairs, in order (`+` is kept literal). */
export function parseQuery(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of query.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    pairs.push([safeDecode(name), safeDecode(value)]);
  }
  return pairs;
}

/** The SigV4 canonical request: method, URI, query, headers, signed header list, payload hash. */
export function canonicalRequest(parts: SignedRequestParts, claim: SigV4Claim): string {
  const query = parseQuery(parts.query)
    // A presigned URL's signature cannot sign itself.
    .filter(([name]) => !(claim.mode === "query" && name === "X-Amz-Signature"))
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const names = [...claim.signedHeaders].sort(compare);
  const headers = names.map((name) => {
    const values = parts.headers[name] ?? [];
    return `${name}:${values.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`;
  });
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.path),
    query,
    headers.join(""),
    names.join(";"),
    parts.payloadHash,
  ].join("\n");
}

/** The string to sign: algorithm, signing time, credential scope, hash of the canonical request. */
export function stringToSign(claim: SigV4Claim, canonical: string): string {
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
  return [SIGV4_ALGORITHM, claim.amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** The signing key: HMAC chain of date, region, service and `aws4_request`, keyed by `AWS4` + secret. */
export function signingKey(
  secretAccessKey: string,
  scopeDate: string,
  region: string,
  service: string,
): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, scopeDate);
  return hmac(hmac(hmac(kDate, region), service), "aws4_request");
}

/** Recomputes the signature with `secretAccessKey` and compares it in constant time. */
export function signatureMatches(
  parts: SignedRequestParts,
  claim: SigV4Claim,
  secretAccessKey: string,
): boolean {
  const key = signingKey(secretAccessKey, claim.scopeDate, claim.region, claim.service);
  const expected = createHmac("sha256", key)
    .update(stringToSign(claim, canonicalRequest(parts, claim)))
    .digest("hex");
  const given = Buffer.from(claim.signature.toLowerCase());
  // Constant-time: a timing side channel would let a caller forge a signature byte by byte.
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

/** Non-S3 services double-encode the path: each segment as sent (already encoded once) is encoded again. */
function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/").slice(1)) {
    if (segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.map(uriEncode).join("/")}`;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Byte order, as SigV4 sorts names (not locale order). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
