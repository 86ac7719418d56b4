/**
 * What the source plugins that call AWS themselves (web identity) share: the lazily loaded STS
 * client, the same timeouts as the STS plugin, and the generic error sentence.
 */
import { isVswError, VswError } from "../../plugin.js";
import { networkCode } from "../network-code.js";

type Sdk = typeof import("@aws-sdk/client-sts");

/** Connection and response timeouts of one STS request (the STS plugin's). */
export const timeouts = { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true };

const SDK_WARNING = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * The STS client module, loaded only when a call is really made (the SDK costs ~50 ms), with the
 * SDK's Node-version warning silenced until `restore()`, so `vsw exec` does not pass the setting on.
 */
export async function loadSts(): Promise<{ sdk: Sdk; restore: () => void }> {
  const set = process.env[SDK_WARNING] === undefined;
  if (set) process.env[SDK_WARNING] = "true";
  const restore = () => {
    if (set) delete process.env[SDK_WARNING];
  };
  try {
    return { sdk: await import("@aws-sdk/client-sts"), restore };
  } catch (error) {
    restore();
    throw error;
  }
}

/** An STS failure no more specific sentence covers: unreachable endpoint, or STS's own error. */
export function stsFailure(error: unknown, what: string, profile: string, endpoint: string): VswError {
  if (isVswError(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string };
  const name = e.name ?? "Error";
  const network = networkCode(error);
  if (network || ["TimeoutError", "AbortError", "RequestTimeout"].includes(name)) {
    return new VswError(
      "VSW_STS_UNREACHABLE",
      `The STS endpoint ${endpoint} could not be reached for ${what} (${network ?? name}).`,
      {
        cause: error,
        hint: "Check the network, the region, endpoint_url, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL.",
      },
    );
  }
  const message = String(e.message ?? error).replace(/\s+/g, " ");
  return new VswError(
    "VSW_STS_ERROR",
    `STS at ${endpoint} failed ${what} for profile "${profile}": ${name}: ${message}`,
    {
      cause: error,
      hint: "Check the profile's role_arn, region and endpoint_url.",
    },
  );
}
