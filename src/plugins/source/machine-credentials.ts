/**
 * A machine's own credentials over HTTP, as the AWS SDKs fetch them: the ECS container credentials
 * endpoint and the EC2 instance metadata service (IMDSv2 only). Plain HTTP with short timeouts
 * instead of the SDK's providers: they would be bundled into vsw.js and cost every start.
 */
import type { Credentials, Env } from "../../plugin.js";
import { isVswError, VswError } from "../../plugin.js";
import { networkCode } from "../network-code.js";

/** The most a metadata answer may hold: real ones are under 2 KiB. */
const MAX_BODY_BYTES = 64 * 1024;

/** The fields the container endpoint and IMDS answer with. */
interface MachineDocument {
  Code?: string;
  AccessKeyId?: string;
  SecretAccessKey?: string;
  Token?: string;
  Expiration?: string;
  AccountId?: string;
  RoleArn?: string;
}

class HttpStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * One request, failing after `timeoutMs` without progress (connect or answer); the body read up to
 * {@link MAX_BODY_BYTES}; redirects are not followed. `node:http` rather than `fetch`, whose
 * "bad port" list would refuse some endpoints a user may name.
 */
async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string> },
  timeoutMs: number,
): Promise<string> {
  const target = new URL(url);
  const { request: send } =
    target.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: init.method ?? "GET", headers: init.headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new HttpStatus(413));
          else chunks.push(chunk);
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new HttpStatus(status));
          else resolve(Buffer.concat(chunks).toString("utf8"));
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error("no answer in time"), { name: "TimeoutError" })),
    );
    req.on("error", reject);
    req.end();
  });
}

function why(error: unknown): string {
  if (error instanceof HttpStatus) return error.message;
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "no answer in time";
  return networkCode(error) ?? String((error as Error)?.message ?? error);
}

function toCredentials(text: string, fail: (what: string) => VswError): Credentials {
  let doc: MachineDocument;
  try {
    doc = JSON.parse(text) as MachineDocument;
  } catch {
    throw fail("answered something that is not JSON");
  }
  if (doc.Code !== undefined && doc.Code !== "Success") throw fail(`answered Code "${String(doc.Code)}"`);
  if (!doc.AccessKeyId || !doc.SecretAccessKey || !doc.Token || !doc.Expiration) {
    throw fail("answered without AccessKeyId, SecretAccessKey, Token and Expiration");
  }
  const expiration = Date.parse(doc.Expiration);
  if (Number.isNaN(expiration)) throw fail("answered an Expiration that is not a date");
  const account = doc.AccountId ?? /^arn:[^:]+:iam::(\d{12}):/.exec(doc.RoleArn ?? "")?.[1];
  return {
    accessKeyId: doc.AccessKeyId,
    secretAccessKey: doc.SecretAccessKey,
    sessionToken: doc.Token,
    expiration,
    ...(account ? { accountId: account } : {}),
  };
}

/** Hosts a plain-http `AWS_CONTAINER_CREDENTIALS_FULL_URI` may name (the SDKs' list). */
const CONTAINER_HOSTS = new Set(["localhost", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "[::1]"]);

/**
 * `credential_source = EcsContainer`: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2 (ECS),
 * else `AWS_CONTAINER_CREDENTIALS_FULL_URI` (EKS Pod Identity, Greengrass, tests), with the
 * `Authorization` header from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read each time: it
 * rotates) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
 */
export async function containerCredentials(env: Env, profile: string): Promise<Credentials> {
  const subject = `The container credentials endpoint for profile "${profile}" (credential_source EcsContainer)`;
  const fail = (what: string, hint: string) =>
    new VswError("VSW_CREDENTIAL_SOURCE_FAILED", `${subject} ${what}.`, { hint });
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  let url: URL;
  try {
    url = relative ? new URL(relative, "http://169.254.170.2") : new URL(full ?? "");
  } catch {
    if (!relative && !full) {
      throw fail(
        "is not set: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is",
        "EcsContainer works inside an ECS task or an EKS pod with Pod Identity, which set those variables.",
      );
    }
    throw fail(`"${full}" is not a URL`, "Fix AWS_CONTAINER_CREDENTIALS_FULL_URI.");
  }
  // Why: the SDKs send the token and accept credentials over plain http only from the link-local
  // container endpoints or this machine; anything else must be https.
  const loopback = /^127\.\d+\.\d+\.\d+$/.test(url.hostname) || CONTAINER_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw fail(
      `"${url.origin}" is neither https nor a loopback or container address`,
      "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http on 127.0.0.1, localhost, 169.254.170.2 or 169.254.170.23.",
    );
  }
  let token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  if (tokenFile) {
    const { readFile } = await import("node:fs/promises");
    try {
      token = (await readFile(tokenFile, "utf8")).trim();
    } catch (error) {
      throw fail(
        `cannot be asked: its token file "${tokenFile}" cannot be read (${networkCode(error) ?? "error"})`,
        "Check AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.",
      );
    }
  }
  if (token !== undefined && /[\r\n]/.test(token)) {
    throw fail(
      "cannot be asked: the authorization token holds a line break",
      "Check the authorization token.",
    );
  }
  const headers: Record<string, string> = token ? { Authorization: token } : {};
  let text: string | undefined;
  let last: unknown;
  // Two tries, as the SDKs retry a container endpoint that is briefly busy.
  for (let attempt = 0; attempt < 2 && text === undefined; attempt++) {
    try {
      text = await request(url.href, { headers }, 2_000);
    } catch (error) {
      last = error;
      if (error instanceof HttpStatus && error.status < 500) break;
    }
  }
  if (text === undefined) {
    throw fail(
      `${url.origin} did not give credentials (${why(last)})`,
      last instanceof HttpStatus && (last.status === 401 || last.status === 403)
        ? "The authorization token was refused: check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)."
        : "EcsContainer works inside an ECS task or an EKS pod with Pod Identity; check the task's role.",
    );
  }
  return toCredentials(text, (what) =>
    fail(what, "The endpoint is not a container credentials endpoint; check the variables."),
  );
}

/** What the IMDS fetch needs from the step. */
interface ImdsSettings {
  profile: string;
  imdsEndpoint: string | null;
  imdsEndpointMode: string | null;
}

/**
 * `credential_source = Ec2InstanceMetadata`, IMDSv2: a session token (PUT), the role name, then
 * its credentials, each with a 1 s deadline and no retry (botocore's defaults), so a laptop without
 * a metadata service fails in about a second. `AWS_EC2_METADATA_DISABLED=true` refuses at once.
 */
export async function instanceCredentials(env: Env, step: ImdsSettings): Promise<Credentials> {
  const subject = `The instance metadata service for profile "${step.profile}" (credential_source Ec2InstanceMetadata)`;
  if ((env.AWS_EC2_METADATA_DISABLED ?? "").toLowerCase() === "true") {
    throw new VswError(
      "VSW_CREDENTIAL_SOURCE_FAILED",
      `${subject} is disabled by AWS_EC2_METADATA_DISABLED.`,
      {
        hint: "Unset AWS_EC2_METADATA_DISABLED, or use another source for this profile.",
      },
    );
  }
  const mode = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE || step.imdsEndpointMode || "IPv4").toLowerCase();
  const base = (
    env.AWS_EC2_METADATA_SERVICE_ENDPOINT ||
    step.imdsEndpoint ||
    (mode === "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254")
  ).replace(/\/+$/, "");
  const timeoutMs = 1_000;
  let stage = "a session token";
  try {
    const token = await request(
      `${base}/latest/api/token`,
      { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "21600" } },
      timeoutMs,
    );
    const headers = { "X-aws-ec2-metadata-token": token.trim() };
    stage = "the instance's role";
    const roles = await request(`${base}/latest/meta-data/iam/security-credentials/`, { headers }, timeoutMs);
    const role = roles.split("\n")[0]?.trim() ?? "";
    if (!role) throw new HttpStatus(404);
    stage = `the credentials of role "${role}"`;
    const text = await request(
      `${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`,
      { headers },
      timeoutMs,
    );
    return toCredentials(
      text,
      (what) =>
        new VswError("VSW_CREDENTIAL_SOURCE_FAILED", `${subject} ${what}.`, {
          hint: "Check AWS_EC2_METADATA_SERVICE_ENDPOINT: it must point at the instance metadata service.",
        }),
    );
  } catch (error) {
    if (isVswError(error)) throw error;
    const noRole = error instanceof HttpStatus && error.status === 404 && stage !== "a session token";
    throw new VswError(
      "VSW_CREDENTIAL_SOURCE_FAILED",
      noRole
        ? `${subject} at ${base} says this instance has no IAM role.`
        : `${subject} at ${base} did not give ${stage} (${why(error)}).`,
      {
        hint: noRole
          ? "Attach an instance profile with a role to the instance."
          : "Ec2InstanceMetadata works on an EC2 instance with IMDSv2; elsewhere use another source (AWS_EC2_METADATA_SERVICE_ENDPOINT names another endpoint).",
      },
    );
  }
}
