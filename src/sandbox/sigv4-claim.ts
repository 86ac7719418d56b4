/**
 * Reading a SigV4 claim: what the `Authorization` header or a presigned query string says about
 * who signed, where, when and what, and the scope and time checks STS makes before it looks at the
 * signature itself.
 */
import { incompleteSignature, missingAuthenticationToken, signatureDoesNotMatch } from "./errors.js";
import {
  formatAmzDate,
  MAX_SKEW_MS,
  parseAmzDate,
  parseQuery,
  SIGV4_ALGORITHM,
  type SignedRequestParts,
  type SigV4Claim,
} from "./sigv4.js";

/**
 * Reads the SigV4 claim from the `Authorization` header, or else from presigned `X-Amz-*` query
 * parameters. Only syntax is checked here.
 * @throws {StsError} MissingAuthenticationToken when neither is present, IncompleteSignature when
 * the claim cannot be parsed.
 */
export function parseSigV4(parts: SignedRequestParts): SigV4Claim {
  const authorization = parts.headers.authorization?.[0];
  if (authorization !== undefined) return parseHeaderClaim(authorization, parts);
  const query = new Map(parseQuery(parts.query));
  if (query.has("X-Amz-Algorithm") || query.has("X-Amz-Signature") || query.has("X-Amz-Credential")) {
    return parseQueryClaim(query);
  }
  throw missingAuthenticationToken();
}

/**
 * Checks the claim's credential scope and its signing time against the real wall clock.
 * @param wallMs the server's real time. It is never the emulator's virtual clock: signatures are
 * made by clients with real time, so a test that moves the virtual clock must not break them.
 * @throws {StsError} SignatureDoesNotMatch (AWS's code for all of these) with AWS's wording.
 */
export function checkClaim(claim: SigV4Claim, wallMs: number, service = "sts"): void {
  if (claim.service !== service) {
    throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${service}'. `);
  }
  // Any non-empty region is accepted: STS has regional endpoints everywhere, and tests want to
  // see which region a client chose (it is recorded per call).
  if (claim.region === "") {
    throw signatureDoesNotMatch("Credential should be scoped to a valid region, not ''. ");
  }
  // Without `host` in the signature a request could be replayed against another endpoint.
  if (!claim.signedHeaders.includes("host")) {
    throw signatureDoesNotMatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    throw signatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  }
  const signedAt = parseAmzDate(claim.amzDate);
  const now = formatAmzDate(wallMs);
  if (claim.expiresSeconds !== undefined && signedAt + claim.expiresSeconds * 1000 < wallMs) {
    const expiredAt = formatAmzDate(signedAt + claim.expiresSeconds * 1000);
    throw signatureDoesNotMatch(`Signature expired: ${expiredAt} is now earlier than ${now}.`);
  }
  if (claim.expiresSeconds === undefined && signedAt < wallMs - MAX_SKEW_MS) {
    const limit = formatAmzDate(wallMs - MAX_SKEW_MS);
    throw signatureDoesNotMatch(
      `Signature expired: ${claim.amzDate} is now earlier than ${limit} (${now} - 15 min.)`,
    );
  }
  if (signedAt > wallMs + MAX_SKEW_MS) {
    const limit = formatAmzDate(wallMs + MAX_SKEW_MS);
    throw signatureDoesNotMatch(
      `Signature not yet current: ${claim.amzDate} is still later than ${limit} (${now} + 15 min.)`,
    );
  }
}

function parseHeaderClaim(authorization: string, parts: SignedRequestParts): SigV4Claim {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm}'.`);
  }
  const fields = new Map<string, string>();
  for (const field of authorization.slice(space + 1).split(",")) {
    const eq = field.indexOf("=");
    if (eq > 0) fields.set(field.slice(0, eq).trim(), field.slice(eq + 1).trim());
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((name) => !fields.get(name));
  const amzDate = parts.headers["x-amz-date"]?.[0] ?? fromHttpDate(parts.headers.date?.[0]);
  const problems = missing.map((name) => `Authorization header requires '${name}' parameter.`);
  if (amzDate === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0 || amzDate === undefined) throw incompleteSignature(problems.join(" "));
  return {
    mode: "header",
    ...parseCredential(fields.get("Credential") ?? ""),
    amzDate: checkedAmzDate(amzDate),
    signedHeaders: (fields.get("SignedHeaders") ?? "").split(";"),
    signature: fields.get("Signature") ?? "",
    securityToken: parts.headers["x-amz-security-token"]?.[0],
    expiresSeconds: undefined,
  };
}

function parseQueryClaim(query: Map<string, string>): SigV4Claim {
  const required = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
  ];
  if (required.some((name) => !query.get(name))) {
    throw incompleteSignature(
      `AWS query-string parameters must include ${required.map((n) => `'${n}'`).join(", ")}. Re-examine the query-string parameters.`,
    );
  }
  const algorithm = query.get("X-Amz-Algorithm") ?? "";
  if (algorithm !== SIGV4_ALGORITHM) {
    throw incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm}'.`);
  }
  const expires = Number(query.get("X-Amz-Expires") ?? "3600");
  if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
    throw incompleteSignature("X-Amz-Expires must be an integer from 1 to 604800 seconds.");
  }
  return {
    mode: "query",
    ...parseCredential(query.get("X-Amz-Credential") ?? ""),
    amzDate: checkedAmzDate(query.get("X-Amz-Date") ?? ""),
    signedHeaders: (query.get("X-Amz-SignedHeaders") ?? "").split(";"),
    signature: query.get("X-Amz-Signature") ?? "",
    securityToken: query.get("X-Amz-Security-Token"),
    expiresSeconds: expires,
  };
}

function parseCredential(credential: string) {
  const pieces = credential.split("/");
  const [accessKeyId, scopeDate, region, service, terminator] = pieces;
  if (pieces.length !== 5 || accessKeyId === undefined || scopeDate === undefined) {
    throw incompleteSignature(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  if (terminator !== "aws4_request") {
    throw signatureDoesNotMatch(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `,
    );
  }
  return { accessKeyId, scopeDate, region: region ?? "", service: service ?? "" };
}

function checkedAmzDate(amzDate: string): string {
  if (Number.isNaN(parseAmzDate(amzDate))) {
    throw incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  }
  return amzDate;
}

/** SigV4 allows the HTTP `Date` header instead of `X-Amz-Date`; the string to sign then uses it in basic format. */
function fromHttpDate(date: string | undefined): string | undefined {
  const ms = date === undefined ? Number.NaN : Date.parse(date);
  return Number.isNaN(ms) ? undefined : formatAmzDate(ms);
}
