/**
 * The IAM Query API (version 2010-05-08) for a user's own access keys, as a {@link Route}:
 * GetUser, ListAccessKeys, CreateAccessKey, DeleteAccessKey. Requests are SigV4-signed for service
 * `iam` (region us-east-1, IAM's global endpoint) and verified like STS's. What `vsw rotate` needs:
 * the two-keys-per-user quota (LimitExceeded), and a new key that STS refuses for a while
 * (`world.newKeyDelayMs`: IAM is eventually consistent).
 *
 * Who may call: a user's long-term key, or a GetSessionToken session of that user. A user with an
 * MFA device must call with an MFA session: the emulator applies the common "force MFA" policy
 * (deny everything but the MFA self-service unless `aws:MultiFactorAuthPresent`), so a rotation
 * that forgets MFA fails here as it would at such an account. Role and federated sessions are
 * refused (the emulator models no IAM permissions for them). A user acts only on itself.
 */
import type { Caller } from "./actions.js";
import { authenticate } from "./auth.js";
import { StsError } from "./errors.js";
import { ROUTES, type RouteContext, type RouteReply } from "./routes.js";
import type { AccessKeyRecord, User } from "./world.js";
import { escapeXml, isoSeconds, renderXml, type XmlElement } from "./xml.js";

const IAM_VERSION = "2010-05-08";
const IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
/** IAM's quota of access keys per user. */
export const KEYS_PER_USER = 2;

type IamHandler = (user: User, params: URLSearchParams, context: RouteContext) => XmlElement[] | undefined;

const ACTIONS: Readonly<Record<string, IamHandler>> = {
  GetUser: (user) => [["User", userXml(user)]],
  ListAccessKeys: (user) => [
    ["UserName", user.name],
    ["AccessKeyMetadata", user.keys.map((key): XmlElement => ["member", keyXml(user, key, false)])],
    ["IsTruncated", "false"],
  ],
  CreateAccessKey: (user, _params, { world }) => {
    if (user.keys.length >= KEYS_PER_USER) {
      throw new StsError(409, "LimitExceeded", `Cannot exceed quota for AccessKeysPerUser: ${KEYS_PER_USER}`);
    }
    return [["AccessKey", keyXml(user, world.createAccessKey(user), true)]];
  },
  DeleteAccessKey: (user, params, { world }) => {
    const id = params.get("AccessKeyId") ?? "";
    if (!id)
      throw new StsError(400, "ValidationError", "1 validation error detected: accessKeyId is required");
    if (!world.deleteAccessKey(user, id)) {
      throw new StsError(404, "NoSuchEntity", `The Access Key with id ${id} cannot be found.`);
    }
    return undefined;
  },
};

/** Answers IAM requests (IAM's API version, 2010-05-08); anything else passes. */
export function iamRoute(context: RouteContext): RouteReply | undefined {
  const params = new URLSearchParams(context.query);
  if (context.payload.length > 0) {
    for (const [name, value] of new URLSearchParams(context.payload.toString("utf8")))
      params.set(name, value);
  }
  // One emulator serves both: IAM's requests are told apart by IAM's API version (a request signed
  // for `iam` with STS's version goes to STS, which refuses the scope, and the other way round).
  if (params.get("Version") !== IAM_VERSION) return undefined;
  const action = params.get("Action") ?? "";
  let callerArn: string | undefined;
  try {
    const caller = authenticate(
      context.parts,
      context.world,
      { wallMs: Date.now(), virtualMs: context.clock.nowMs() },
      "iam",
    );
    const user = permittedUser(caller);
    callerArn = user.arn;
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!handler)
      throw new StsError(
        400,
        "InvalidAction",
        `Could not find operation ${action} for version ${params.get("Version")}`,
      );
    const asked = params.get("UserName");
    if (asked !== null && asked !== user.name) {
      throw new StsError(
        403,
        "AccessDenied",
        `User: ${user.arn} is not authorized to perform: iam:${action} on resource: user ${asked}`,
      );
    }
    const result = handler(user, params, context);
    const body =
      `<${action}Response xmlns="${IAM_NAMESPACE}">` +
      (result ? `<${action}Result>${renderXml(result)}</${action}Result>` : "") +
      `<ResponseMetadata><RequestId>${escapeXml(context.requestId)}</RequestId></ResponseMetadata>` +
      `</${action}Response>`;
    return { status: 200, headers: { "Content-Type": "text/xml" }, body, action, callerArn };
  } catch (error) {
    const e =
      error instanceof StsError
        ? error
        : new StsError(
            500,
            "ServiceFailure",
            "Request processing has failed due to an internal error.",
            "Receiver",
          );
    const body =
      `<ErrorResponse xmlns="${IAM_NAMESPACE}">` +
      renderXml([
        [
          "Error",
          [
            ["Type", e.type],
            ["Code", e.code],
            ["Message", e.message],
          ],
        ],
        ["RequestId", context.requestId],
      ]) +
      "</ErrorResponse>";
    return {
      status: e.status,
      headers: { "Content-Type": "text/xml" },
      body,
      action: action || "IAM",
      errorCode: e.code,
      ...(callerArn ? { callerArn } : {}),
    };
  }
}

/** The user a caller may act as, per the rules in this module's comment. */
function permittedUser(caller: Caller): User {
  const { principal, session } = caller;
  if (principal.kind !== "user" || (session && session.kind !== "session-token")) {
    throw new StsError(
      403,
      "AccessDenied",
      "The emulator's IAM answers only IAM users and their GetSessionToken sessions.",
    );
  }
  const user = principal.user;
  // AWS: GetSessionToken credentials cannot call IAM unless the session was made with MFA.
  if (session && !session.mfaAuthenticated) {
    throw new StsError(
      403,
      "InvalidClientTokenId",
      "The security token included in the request is invalid (a GetSessionToken session needs MFA to call IAM).",
    );
  }
  if (user.mfa && !session?.mfaAuthenticated) {
    throw new StsError(
      403,
      "AccessDenied",
      `User: ${user.arn} is not authorized to perform this action with an explicit deny because no multi-factor authentication was used.`,
    );
  }
  return user;
}

function userXml(user: User): XmlElement[] {
  return [
    ["Path", "/"],
    ["UserName", user.name],
    ["UserId", user.userId],
    ["Arn", user.arn],
    ["CreateDate", isoSeconds(user.keys[0]?.createdAtMs ?? 0)],
  ];
}

function keyXml(user: User, key: AccessKeyRecord, withSecret: boolean): XmlElement[] {
  return [
    ["UserName", user.name],
    ["AccessKeyId", key.accessKeyId],
    ["Status", key.status],
    ["SecretAccessKey", withSecret ? key.secretAccessKey : undefined],
    ["CreateDate", isoSeconds(key.createdAtMs)],
  ];
}

ROUTES.push(iamRoute);
