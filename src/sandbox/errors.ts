/**
 * The errors the emulator answers with, worded and coded as AWS STS words and codes them, so a
 * client's error handling that works here works against AWS.
 * Sources: the STS API reference (per-action errors), the AWS "Common Errors" page (status codes),
 * and the messages STS prints as quoted in public issue threads.
 */

/** `Sender`: the client's fault. `Receiver`: the service's fault (AWS Query protocol error types). */
export type StsErrorType = "Sender" | "Receiver";

/** An STS error response: HTTP status, `Error/Code`, `Error/Message` and `Error/Type`. */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: StsErrorType = "Sender",
  ) {
    super(message);
    this.name = "StsError";
  }
}

/** 403 InvalidClientTokenId: unknown access key, or a session token that does not belong to it. */
export function invalidClientTokenId(): StsError {
  return new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
}

/** 400 ExpiredToken: a session whose Expiration has passed on the emulator's clock. */
export function expiredToken(): StsError {
  return new StsError(400, "ExpiredToken", "The security token included in the request is expired");
}

/** 403 SignatureDoesNotMatch; `message` replaces the generic text for scope and time problems. */
export function signatureDoesNotMatch(message?: string): StsError {
  return new StsError(
    403,
    "SignatureDoesNotMatch",
    message ??
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  );
}

/** 400 IncompleteSignature: an Authorization header or presigned query that cannot be parsed. */
export function incompleteSignature(message: string): StsError {
  return new StsError(400, "IncompleteSignature", message);
}

/** 403 MissingAuthenticationToken: no Authorization header and no presigned query at all. */
export function missingAuthenticationToken(): StsError {
  // AWS's Common Errors page lists 403 for this code (not 400).
  return new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
}

/** 403 AccessDenied with STS's wording for a principal the role's trust policy does not admit. */
export function notAuthorizedToAssume(callerArn: string, roleArn: string): StsError {
  return new StsError(
    403,
    "AccessDenied",
    `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
}

/** 403 AccessDenied for a wrong, stale or reused MFA code (the trailing space is STS's own). */
export function invalidMfaCode(): StsError {
  return new StsError(
    403,
    "AccessDenied",
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
  );
}

/** 403 AccessDenied for an MFA serial that is not the calling user's device (double space is STS's). */
export function unknownMfaDevice(): StsError {
  return new StsError(
    403,
    "AccessDenied",
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
  );
}

/**
 * 400 ValidationError in the shape of AWS's model validation: "1 validation error detected: …",
 * or "N validation errors detected: …; …" for several.
 */
export function validationErrors(problems: readonly string[]): StsError {
  const count = problems.length;
  const head = `${count} validation error${count === 1 ? "" : "s"} detected: `;
  return new StsError(400, "ValidationError", head + problems.join("; "));
}

/** 400 ValidationError with a free-form message (the duration rules STS words in prose). */
export function validationError(message: string): StsError {
  return new StsError(400, "ValidationError", message);
}

/** 400 InvalidAction, worded as STS words an unknown operation or version. */
export function invalidAction(action: string, version: string | undefined): StsError {
  return new StsError(
    400,
    "InvalidAction",
    `Could not find operation ${action} for version ${version ?? "NO_VERSION_SPECIFIED"}`,
  );
}

/** 400 Throttling, the code the SDKs classify as a throttling error and retry with back-off. */
export function throttling(): StsError {
  return new StsError(400, "Throttling", "Rate exceeded");
}

/** 500 InternalFailure, a `Receiver` fault the SDKs retry as transient. */
export function internalFailure(): StsError {
  return new StsError(
    500,
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception or failure.",
    "Receiver",
  );
}
