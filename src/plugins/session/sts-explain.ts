/**
 * What the `session-sts` plugin says when STS fails: which call, at which endpoint, and what to do.
 * Never the SDK's internals (its "inspect the hidden field" deserialization text), never a secret.
 */
import type { SessionRequest, SessionStep } from "../../plugin.js";
import { commandHint, isVswError, VswError } from "../../plugin.js";
import { networkCode } from "../network-code.js";

/**
 * The URL STS is called at: the configured endpoint, else the one the SDK picks (regional, or the
 * global one with `sts_regional_endpoints = legacy`), for messages and the reachability probe.
 */
export function stsEndpoint(step: SessionStep, configured: string | undefined): string {
  if (configured) return configured;
  const region = step.region ?? "us-east-1";
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return step.stsRegionalEndpoints === "legacy" ? `https://sts.${suffix}` : `https://sts.${region}.${suffix}`;
}

/** Network errors that mean the endpoint cannot be reached at all. */
const UNREACHABLE = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"];

/** How long the probe waits for a TCP connection (the SDK's own connection timeout). */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Opens (and closes) one TCP connection to the endpoint's host and port: a refused or unresolvable
 * endpoint is `VSW_STS_UNREACHABLE` at once. Anything else (a proxy, an odd URL) lets STS decide.
 */
export async function probeEndpoint(step: SessionStep, endpoint: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return;
  }
  const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // Loaded here: the cached hot path never gets this far.
  const { connect } = process.getBuiltinModule("node:net");
  const code = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(networkCode(error, true)));
  });
  if (code && UNREACHABLE.includes(code)) throw unreachable(step, endpoint, code, undefined);
}

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** A `session` request for one of the STS steps (a plugin's own step kinds are not this plugin's). */
export type StsRequest = SessionRequest & { step: SessionStep };

/** Whether `step` is one of the built-in STS steps, not a plugin's own kind. */
export function isStsStep(step: { type: string }): step is SessionStep {
  return step.type === "GetSessionToken" || step.type === "AssumeRole";
}

/** Maps an STS or network failure to one clear sentence with a hint; never includes a secret. */
export function explain(error: unknown, { step, parent }: StsRequest, endpoint: string): VswError {
  if (isVswError(error)) return error;
  const e = (error ?? {}) as AwsErrorShape;
  const code = e.name ?? e.code ?? "Error";
  const message = (e.message ?? String(error)).trim();
  const what = step.type === "AssumeRole" ? `AssumeRole on ${step.roleArn}` : "GetSessionToken";
  const options = { cause: error };
  if (/MultiFactorAuthentication failed/i.test(message)) {
    return new VswError(
      "VSW_MFA_FAILED",
      `AWS rejected the MFA code for "${step.mfaSerial}": wrong, or already used — AWS accepts each code once.`,
      { ...options, hint: "Wait for the next code and try again. Nothing was cached." },
    );
  }
  if (code === "ExpiredToken" || code === "ExpiredTokenException") {
    return new VswError("VSW_STS_EXPIRED", `STS says the session used for ${what} has expired.`, {
      ...options,
      hint: parent.sessionToken ? "Run `vsw clear` and try again." : "Check the system clock.",
    });
  }
  if (code === "AccessDenied" || code === "AccessDeniedException") {
    return new VswError(
      "VSW_STS_ACCESS_DENIED",
      `AWS denied ${what} for profile "${step.profile}": ${message}`,
      {
        ...options,
        hint:
          step.type === "AssumeRole"
            ? "Check the role's trust policy (principal, MFA condition, external_id) and the caller's permissions."
            : "Check the user's permissions and MFA device.",
      },
    );
  }
  if (code === "InvalidClientTokenId" || code === "SignatureDoesNotMatch") {
    return new VswError("VSW_STS_ERROR", `AWS did not accept the credentials used for ${what} (${code}).`, {
      ...options,
      hint: parent.sessionToken
        ? "The cached session is no longer valid: run `vsw clear` and try again."
        : `The stored keys are wrong or deactivated: store new ones with "${commandHint("vsw add", step.profile)}".`,
    });
  }
  const network = networkCode(error, true);
  if (network || ["TimeoutError", "AbortError", "RequestTimeout"].includes(code)) {
    return unreachable(step, endpoint, network ?? code, error);
  }
  const status = e.$metadata?.httpStatusCode;
  if (isNotSts(code, message)) {
    // The SDK could not read the answer as STS XML: a wrong endpoint_url (a web page, a proxy).
    return new VswError(
      "VSW_STS_ERROR",
      `The STS endpoint ${endpoint} answered ${what}${status ? ` with HTTP ${status}` : ""}, but not as STS does.`,
      {
        ...options,
        hint: "Check endpoint_url, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL: they must point at STS.",
      },
    );
  }
  const text = `STS at ${endpoint} failed ${what} for profile "${step.profile}": ${code}: ${message.replace(/\s+/g, " ")}`;
  if (/MaxSessionDuration|DurationSeconds exceeds|role chaining/i.test(message)) {
    return new VswError("VSW_STS_ERROR", text, {
      ...options,
      hint: /chaining/i.test(message)
        ? "A role assumed by another role's session lasts at most 1 h: ask for less with --duration or duration_seconds."
        : "Ask for less with --duration or duration_seconds, or raise the role's maximum session duration in IAM (up to 12 h).",
    });
  }
  return new VswError("VSW_STS_ERROR", text, {
    ...options,
    hint:
      code === "Throttling"
        ? "STS is throttling requests; wait a moment and retry."
        : status !== undefined && status >= 500
          ? "STS reported a server error; try again in a moment. Run with --debug for the details."
          : "Run again with --debug for the details; check the profile's settings and endpoint.",
  });
}

function unreachable(step: SessionStep, endpoint: string, code: string, cause: unknown): VswError {
  const what = step.type === "AssumeRole" ? `AssumeRole on ${step.roleArn}` : "GetSessionToken";
  return new VswError(
    "VSW_STS_UNREACHABLE",
    `The STS endpoint ${endpoint} could not be reached for ${what} (${code}).`,
    {
      cause,
      hint:
        code === "ECONNREFUSED"
          ? "Nothing listens there: check endpoint_url, AWS_ENDPOINT_URL_STS and that the endpoint is running."
          : "Check the network, the region, endpoint_url and AWS_ENDPOINT_URL_STS.",
    },
  );
}

/** The SDK's words for an answer it could not parse as STS (HTML, JSON, an empty body). */
function isNotSts(code: string, message: string): boolean {
  return (
    /Deserialization error|hidden field|\$response|char '.' is not expected|Expected closing tag/i.test(
      message,
    ) ||
    ((code === "NotFound" || code === "Unknown" || code === "UnknownError") &&
      /^(Unknown|UnknownError)?$/.test(message))
  );
}
