import type {
  Credentials,
  ExternalSourceStep,
  Plan,
  PlanContext,
  PluginStep,
  Vsw,
  VswPlugin,
} from "../../plugin.js";
import { formatDuration, isVswError, STAGE_DEFAULT, VswError } from "../../plugin.js";
import { loadSts, stsFailure, timeouts } from "./sts-call.js";

const NAME = "source-web-identity";
const TYPE = "web-identity:assume";

/** The step this plugin puts in place of the resolver's `web_identity` placeholder. */
export interface WebIdentityStep extends PluginStep {
  type: typeof TYPE;
  roleArn: string;
  /** The token file, read anew at each call: issuers rotate it (EKS: hourly). */
  tokenFile: string;
  /** `null`: the AWS CLI's default, `botocore-session-<epoch seconds>`, chosen when minting. */
  roleSessionName: string | null;
  durationSeconds: number;
  /** STS client region and endpoint (left out of the cache fingerprint by name, like an STS step's). */
  region: string | null;
  endpointUrl: string | null;
}

/**
 * `web_identity_token_file` + `role_arn` (+ `role_session_name`), and the environment form
 * `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (the resolver applies it, resolve-profile.ts):
 * AssumeRoleWithWebIdentity, an unsigned STS call, with the token read from the file each time.
 * The role's session is cached like every session, so a second switch calls nothing.
 */
export function webIdentitySource(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.plan.tap({ name: NAME, stage: STAGE_DEFAULT }, (plan, context) => {
        const [first] = plan.steps;
        if (first.type !== "external" || first.kind !== "web_identity") return plan;
        const step = webIdentityStep(first, plan, context);
        return { ...plan, steps: [step, ...plan.steps.slice(1)] } as Plan;
      });
      vsw.hooks.sourceCredentials.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async ({ step }) =>
        step.type === TYPE ? assume(vsw, step as WebIdentityStep) : undefined,
      );
    },
  };
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function webIdentityStep(first: ExternalSourceStep, plan: Plan, context: PlanContext): WebIdentityStep {
  const { settings, origins, profile } = first;
  const last = plan.steps.length === 1;
  const roleArn = settings.role_arn ?? "";
  const tokenFile = settings.web_identity_token_file ?? "";
  // Why: flag > AWS_ROLE_SESSION_NAME > profile, the flag and the variable for the last step only,
  // as for vsw's AssumeRole steps (resolve.ts: sessionNameFor).
  const named: Array<[string | undefined, string]> = [
    [last ? context.flags.roleSessionName : undefined, "--role-session-name"],
    [last ? context.env.AWS_ROLE_SESSION_NAME : undefined, "AWS_ROLE_SESSION_NAME"],
    [settings.role_session_name, `role_session_name (${origins.role_session_name ?? ""})`],
  ];
  let roleSessionName: string | null = null;
  for (const [value, from] of named) {
    if (!value) continue;
    if (!SESSION_NAME.test(value)) {
      throw new VswError(
        "VSW_CONFIG_INVALID",
        `The role session name "${value}" from ${from} is not valid.`,
        {
          hint: "Use 2 to 64 of the characters A-Z a-z 0-9 _+=,.@-",
        },
      );
    }
    roleSessionName = value;
    break;
  }
  const configured = settings.duration_seconds === undefined ? undefined : Number(settings.duration_seconds);
  const durationSeconds = (last ? context.flags.durationSeconds : undefined) ?? configured ?? 3600;
  // AssumeRoleWithWebIdentity allows 15 min to 12 h (the role's MaxSessionDuration caps it further).
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `The session length ${durationSeconds} s asked for web identity profile "${profile}" is out of range.`,
      { hint: "AssumeRoleWithWebIdentity takes 15m to 12h (--duration, duration_seconds)." },
    );
  }
  return {
    type: TYPE,
    profile,
    label: `AssumeRoleWithWebIdentity ${roleArn}  token file ${tokenFile}  ${formatDuration(durationSeconds)}`,
    roleArn,
    tokenFile,
    roleSessionName,
    durationSeconds,
    region: last ? plan.region : (settings.region ?? plan.region),
    // Why the fallback: vsw's STS steps use the target's endpoint when theirs sets none (resolve.ts).
    endpointUrl: settings.endpoint_url ?? endpointOf(plan.steps.at(-1)) ?? null,
  };
}

function endpointOf(step: Plan["steps"][number] | undefined): string | null | undefined {
  return step?.type === "AssumeRole" ? step.endpointUrl : undefined;
}

/** The most a token file may hold: an OIDC token is a few kilobytes; STS takes up to 20,000 characters. */
const MAX_TOKEN_BYTES = 64 * 1024;

async function readToken(step: WebIdentityStep): Promise<string> {
  const { readFile, stat } = await import("node:fs/promises");
  const where = `The web identity token file "${step.tokenFile}" of profile "${step.profile}"`;
  let text: string;
  try {
    if ((await stat(step.tokenFile)).size > MAX_TOKEN_BYTES) {
      throw new VswError("VSW_WEB_IDENTITY_TOKEN", `${where} is larger than 64 KiB: not a token.`, {
        hint: "Point web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE) at the file your identity provider writes.",
      });
    }
    text = await readFile(step.tokenFile, "utf8");
  } catch (error) {
    if (isVswError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const what =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "cannot be read (permission denied)"
          : `cannot be read (${code})`;
    throw new VswError("VSW_WEB_IDENTITY_TOKEN", `${where} ${what}.`, {
      hint: "Check web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE): the identity provider (CI job, Kubernetes service account) writes it.",
    });
  }
  const token = text.trim();
  if (token === "") {
    throw new VswError("VSW_WEB_IDENTITY_TOKEN", `${where} is empty.`, {
      hint: "Wait for the identity provider to write the token, or check that the job requests one (GitHub Actions: permissions id-token: write).",
    });
  }
  return token;
}

async function assume(vsw: Vsw, step: WebIdentityStep): Promise<Credentials> {
  const token = await readToken(step);
  const endpoint = vsw.env.AWS_ENDPOINT_URL_STS || vsw.env.AWS_ENDPOINT_URL || step.endpointUrl || undefined;
  const { sdk, restore } = await loadSts();
  // Unsigned: AssumeRoleWithWebIdentity authenticates with the token alone, so no credentials.
  const client = new sdk.STSClient({
    region: step.region ?? "us-east-1",
    endpoint,
    maxAttempts: 3,
    retryMode: "standard",
    requestHandler: timeouts,
  });
  const what = `AssumeRoleWithWebIdentity on ${step.roleArn}`;
  try {
    const out = await client.send(
      new sdk.AssumeRoleWithWebIdentityCommand({
        RoleArn: step.roleArn,
        // Why botocore's name: what the AWS CLI shows in CloudTrail for the same profile.
        RoleSessionName: step.roleSessionName ?? `botocore-session-${Math.floor(vsw.now() / 1000)}`,
        WebIdentityToken: token,
        DurationSeconds: step.durationSeconds,
      }),
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new VswError("VSW_STS_ERROR", `STS answered ${what} without credentials.`, {
        hint: "Check the STS endpoint (endpoint_url, AWS_ENDPOINT_URL_STS).",
      });
    }
    const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(out.AssumedRoleUser?.Arn ?? step.roleArn)?.[1];
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.getTime(),
      ...(account ? { accountId: account } : {}),
    };
  } catch (error) {
    throw explainWebIdentity(error, step, what, endpoint ?? "https://sts.amazonaws.com");
  } finally {
    client.destroy();
    restore();
  }
}

function explainWebIdentity(error: unknown, step: WebIdentityStep, what: string, endpoint: string): VswError {
  const name = (error as { name?: string })?.name ?? "";
  const message = String((error as { message?: string })?.message ?? "").replace(/\s+/g, " ");
  if (name === "InvalidIdentityTokenException" || name === "InvalidIdentityToken") {
    return new VswError(
      "VSW_WEB_IDENTITY_REJECTED",
      `AWS rejected the web identity token of profile "${step.profile}" (${step.tokenFile}) for ${step.roleArn}: ${message}`,
      {
        cause: error,
        hint: "Check that the role's account has an IAM OIDC provider for the token's issuer, and that the file holds an ID token (a JWT), not an access token.",
      },
    );
  }
  if (name === "ExpiredTokenException" || name === "ExpiredToken") {
    return new VswError(
      "VSW_WEB_IDENTITY_REJECTED",
      `The web identity token in "${step.tokenFile}" of profile "${step.profile}" has expired.`,
      {
        cause: error,
        hint: "The identity provider rotates the file; make sure it still runs (a CI job's token lives minutes, an EKS one an hour).",
      },
    );
  }
  if (name === "IDPRejectedClaimException" || name === "AccessDenied" || name === "AccessDeniedException") {
    return new VswError(
      "VSW_STS_ACCESS_DENIED",
      `AWS denied ${what} for profile "${step.profile}": ${message}`,
      {
        cause: error,
        hint: "Check the role's trust policy: its Federated principal and the aud and sub conditions must match the token.",
      },
    );
  }
  return stsFailure(error, what, step.profile, endpoint);
}
