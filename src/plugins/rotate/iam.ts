/**
 * The IAM and STS calls of `vsw rotate`, with the AWS SDK loaded lazily (only when a rotation
 * runs), and their failures as one VswError sentence each. The endpoint is chosen the SDK's
 * standard way: `AWS_ENDPOINT_URL_IAM`, then `AWS_ENDPOINT_URL`, then the profile's endpoint_url.
 */
import type { Credentials, Env } from "../../plugin.js";
import { isVswError, VswError } from "../../plugin.js";

/** One access key as ListAccessKeys shows it. */
export interface KeyInfo {
  accessKeyId: string;
  status: string;
  created: number | undefined;
}

/** The IAM calls a rotation makes, bound to one caller. */
export interface IamCalls {
  /** The caller's IAM user name (GetUser). */
  userName(): Promise<string>;
  listKeys(userName: string): Promise<KeyInfo[]>;
  createKey(userName: string): Promise<Credentials>;
  /** false when IAM no longer has the key (NoSuchEntity). */
  deleteKey(userName: string, accessKeyId: string): Promise<boolean>;
  destroy(): void;
}

/** Where the calls go: the endpoints, from the environment and the profile. */
export interface Endpoints {
  iam: string | undefined;
  sts: string | undefined;
}

export function endpoints(env: Env, endpointUrl: string | undefined): Endpoints {
  return {
    iam: env.AWS_ENDPOINT_URL_IAM || env.AWS_ENDPOINT_URL || endpointUrl || undefined,
    sts: env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || endpointUrl || undefined,
  };
}

const TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 15_000, throwOnRequestTimeout: true };

/** IAM, signed with `caller` (an MFA session, or the long-lived keys), in us-east-1 (IAM is global). */
export async function iamCalls(
  caller: Credentials,
  endpoint: string | undefined,
  profile: string,
): Promise<IamCalls> {
  const sdk = await import("@aws-sdk/client-iam");
  const client = new sdk.IAMClient({
    region: "us-east-1",
    credentials: {
      accessKeyId: caller.accessKeyId,
      secretAccessKey: caller.secretAccessKey,
      sessionToken: caller.sessionToken,
    },
    endpoint,
    maxAttempts: 3,
    requestHandler: TIMEOUTS,
  });
  const send = async <T>(action: string, userName: string | undefined, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw iamFailure(error, action, userName, profile, endpoint);
    }
  };
  return {
    userName: () =>
      send("GetUser", undefined, async () => {
        const out = await client.send(new sdk.GetUserCommand({}));
        if (!out.User?.UserName)
          throw new VswError("VSW_IAM_ERROR", "IAM answered GetUser without a user name.");
        return out.User.UserName;
      }),
    listKeys: (userName) =>
      send("ListAccessKeys", userName, async () => {
        const out = await client.send(new sdk.ListAccessKeysCommand({ UserName: userName }));
        return (out.AccessKeyMetadata ?? []).map((k) => ({
          accessKeyId: k.AccessKeyId ?? "",
          status: k.Status ?? "",
          created: k.CreateDate?.getTime(),
        }));
      }),
    createKey: (userName) =>
      send("CreateAccessKey", userName, async () => {
        const out = await client.send(new sdk.CreateAccessKeyCommand({ UserName: userName }));
        const key = out.AccessKey;
        if (!key?.AccessKeyId || !key.SecretAccessKey) {
          throw new VswError(
            "VSW_IAM_ERROR",
            `IAM answered CreateAccessKey for "${userName}" without a key.`,
          );
        }
        return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
      }),
    deleteKey: (userName, accessKeyId) =>
      send("DeleteAccessKey", userName, async () => {
        try {
          await client.send(new sdk.DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
          return true;
        } catch (error) {
          if (
            (error as { name?: string }).name === "NoSuchEntityException" ||
            (error as { name?: string }).name === "NoSuchEntity"
          )
            return false;
          throw error;
        }
      }),
    destroy: () => client.destroy(),
  };
}

/** Who `keys` are, by GetCallerIdentity: the ARN, or `undefined` while STS does not accept them yet. */
export async function callerArn(
  keys: Credentials,
  endpoint: string | undefined,
): Promise<string | undefined> {
  const sdk = await import("@aws-sdk/client-sts");
  const client = new sdk.STSClient({
    region: "us-east-1",
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    endpoint,
    maxAttempts: 1,
    requestHandler: TIMEOUTS,
  });
  try {
    const out = await client.send(new sdk.GetCallerIdentityCommand({}));
    return out.Arn;
  } catch (error) {
    const name = (error as { name?: string }).name;
    // What AWS answers for a key it has not propagated yet.
    if (name === "InvalidClientTokenId" || name === "SignatureDoesNotMatch") return undefined;
    throw new VswError(
      "VSW_STS_UNREACHABLE",
      `Could not check the new access key with STS (${name ?? "error"}).`,
      {
        hint: "Check your network, endpoint_url, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL; then run vsw rotate again to finish.",
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
}

function iamFailure(
  error: unknown,
  action: string,
  userName: string | undefined,
  profile: string,
  endpoint: string | undefined,
): unknown {
  if (isVswError(error)) return error;
  const e = error as { name?: string; message?: string; $metadata?: unknown };
  const who = userName ? `IAM user "${userName}"` : `the user of "${profile}"`;
  // No HTTP status: the request never got an answer (refused, timed out, DNS).
  if ((e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode === undefined) {
    return new VswError(
      "VSW_IAM_ERROR",
      `Could not reach IAM${endpoint ? ` at "${endpoint}"` : ""} for ${action}.`,
      {
        hint: "Check your network, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL and the profile's endpoint_url.",
        cause: error,
      },
    );
  }
  if (e.name === "LimitExceeded" || e.name === "LimitExceededException") {
    return new VswError("VSW_IAM_LIMIT_EXCEEDED", `${who} already has the two access keys IAM allows.`, {
      hint: `List them with: aws iam list-access-keys --user-name ${userName ?? "NAME"}; delete the one vsw does not store, then run vsw rotate again.`,
      cause: error,
    });
  }
  if (e.name === "AccessDenied" || e.name === "AccessDeniedException" || e.name === "InvalidClientTokenId") {
    return new VswError("VSW_IAM_ACCESS_DENIED", `IAM refused ${action} for ${who}: ${e.message ?? e.name}`, {
      hint: `The user needs iam:GetUser, iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on itself; an account that requires MFA for IAM needs mfa_serial on "${profile}" (not --no-session).`,
      cause: error,
    });
  }
  return new VswError(
    "VSW_IAM_ERROR",
    `IAM refused ${action} for ${who} (${e.name ?? "error"}: ${e.message ?? ""}).`,
    {
      hint: "Run vsw rotate again; an interrupted rotation is finished by the next run.",
      cause: error,
    },
  );
}
