/**
 * The network half of `vsw login`: GetFederationToken for a profile without a role (STS through
 * the SDK, loaded lazily), and the federation endpoint's getSigninToken (a plain `fetch`).
 * Nothing here prints or logs a credential, a token or the URL.
 */
import type { Credentials, Env } from "../../plugin.js";
import { isVswError, VswError } from "../../plugin.js";
import { FEDERATION_ENV } from "./console-url.js";

/**
 * Why allow-all: a federated user without a policy has no permission at all; its effective
 * permissions are the intersection of this policy and the IAM user's own (aws-vault passes the same).
 */
const ALLOW_ALL = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

/** What GetFederationToken needs besides the keys. */
export interface FederationRequest {
  profile: string;
  keys: Credentials;
  durationSeconds: number;
  /** STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's endpoint_url), if any. */
  endpoint: string | undefined;
  region: string | null;
  env: Env;
}

/** A federated-user session from long-lived keys (no MFA: GetFederationToken takes none). */
export async function federationToken(request: FederationRequest): Promise<Credentials> {
  const { profile, keys } = request;
  if (keys.sessionToken) {
    // AWS refuses it (and aws-vault with it): GetFederationToken needs an IAM user's own keys.
    throw new VswError(
      "VSW_LOGIN_FAILED",
      `Profile "${profile}" has temporary credentials, and a console sign-in without a role needs the IAM user's long-lived keys.`,
      { hint: "Give the profile a role_arn to sign in as that role, or store the user's keys with vsw add." },
    );
  }
  const sdk = await import("@aws-sdk/client-sts");
  const client = new sdk.STSClient({
    region: request.region ?? "us-east-1",
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    endpoint: request.endpoint,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  try {
    const out = await client.send(
      new sdk.GetFederationTokenCommand({
        Name: federatedName(request.env),
        DurationSeconds: request.durationSeconds,
        Policy: ALLOW_ALL,
      }),
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new VswError(
        "VSW_STS_ERROR",
        `STS answered GetFederationToken for "${profile}" without credentials.`,
        {
          hint: "Check the STS endpoint (endpoint_url, AWS_ENDPOINT_URL_STS).",
        },
      );
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration.getTime() } : {}),
    };
  } catch (error) {
    throw stsFailure(error, profile, request.endpoint);
  } finally {
    client.destroy();
  }
}

/** The federated user's name: the local user, as aws-vault names it (2–32 of `[\w+=,.@-]`). */
function federatedName(env: Env): string {
  const name = (env.USER ?? env.USERNAME ?? "vsw").replace(/[^\w+=,.@-]/g, "").slice(0, 32);
  return name.length >= 2 ? name : "vsw-user";
}

function stsFailure(error: unknown, profile: string, endpoint: string | undefined): unknown {
  if (isVswError(error)) return error;
  const e = error as { name?: string; message?: string; code?: string; $metadata?: unknown };
  const where = endpoint ?? "STS";
  // No HTTP status: the request never got an answer (refused, timed out, DNS).
  if ((e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode === undefined) {
    return new VswError(
      "VSW_STS_UNREACHABLE",
      `Could not reach ${where} for the console sign-in of "${profile}".`,
      {
        hint: "Check your network, endpoint_url and AWS_ENDPOINT_URL_STS.",
        cause: error,
      },
    );
  }
  if (e.name === "AccessDenied" || e.name === "AccessDeniedException") {
    return new VswError(
      "VSW_STS_ACCESS_DENIED",
      `STS refused GetFederationToken for "${profile}": ${e.message ?? e.name}`,
      {
        hint: "The IAM user needs sts:GetFederationToken; or give the profile a role_arn to sign in as that role.",
        cause: error,
      },
    );
  }
  return new VswError(
    "VSW_STS_ERROR",
    `STS refused GetFederationToken for "${profile}" (${e.name ?? "error"}).`,
    {
      hint: "Check that the profile's stored keys are valid (vsw exec PROFILE -- aws sts get-caller-identity).",
      cause: error,
    },
  );
}

/** The largest answer read from the federation endpoint: a real one is well under a kilobyte. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Exchanges session credentials for a sign-in token at `endpoint` (`getSigninToken`). The
 * credentials go in the query string, as AWS documents it, over https (console-url.ts checks).
 */
export async function signinToken(
  endpoint: string,
  profile: string,
  credentials: Credentials,
  sessionDurationSeconds: number | undefined,
): Promise<string> {
  const session = JSON.stringify({
    sessionId: credentials.accessKeyId,
    sessionKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  });
  const query = new URLSearchParams({ Action: "getSigninToken", Session: session });
  if (sessionDurationSeconds !== undefined) query.set("SessionDuration", String(sessionDurationSeconds));
  let response: Response;
  try {
    response = await fetch(`${endpoint}/federation?${query.toString()}`, {
      signal: AbortSignal.timeout(15_000),
      redirect: "manual",
    });
  } catch (error) {
    throw new VswError("VSW_LOGIN_FAILED", `Could not reach the federation endpoint "${endpoint}".`, {
      hint: `Check your network, or ${FEDERATION_ENV} when it is set.`,
      cause: error,
    });
  }
  const text = (await response.text()).slice(0, MAX_ANSWER_BYTES);
  if (!response.ok) {
    throw new VswError(
      "VSW_LOGIN_FAILED",
      `The federation endpoint "${endpoint}" refused the session of "${profile}" (HTTP ${response.status}).`,
      {
        hint: "The session may have expired or come from role chaining with --duration; run vsw clear PROFILE and try again.",
      },
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    throw new VswError(
      "VSW_LOGIN_FAILED",
      `The federation endpoint "${endpoint}" answered without a sign-in token.`,
      {
        hint: `Check ${FEDERATION_ENV}: that is not a federation endpoint.`,
      },
    );
  }
  return token;
}
