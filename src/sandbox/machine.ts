/**
 * Stand-ins for a machine's own credentials, on the emulator's port, so `credential_source =
 * Ec2InstanceMetadata | EcsContainer` can be tested on loopback. The credentials they hand out are
 * real sessions of the emulator's world (a role session, so AssumeRole with them is role chaining).
 *
 * - IMDSv2 at `<url>/imds/<account>/<role>`: what `AWS_EC2_METADATA_SERVICE_ENDPOINT` points at. The
 *   instance's instance profile is that role, which must trust `ec2.amazonaws.com`.
 *   `PUT …/latest/api/token` (with `X-aws-ec2-metadata-token-ttl-seconds`, 1–21600) answers a token;
 *   `GET …/latest/meta-data/iam/security-credentials/` and `…/ROLE` need it in
 *   `X-aws-ec2-metadata-token` (401 otherwise), as on EC2 with IMDSv2 required.
 * - Container credentials at `<url>/ecs/<account>/<role>`: what `AWS_CONTAINER_CREDENTIALS_FULL_URI`
 *   points at. The role must trust `ecs-tasks.amazonaws.com`; when its trust sets `containerToken`,
 *   the `Authorization` header must carry it (EKS Pod Identity's and Greengrass's form).
 */
import { randomBytes } from "node:crypto";
import { ROUTES, type RouteContext, type RouteReply } from "./routes.js";
import { plainRoleGrant, type RoleInfo, type World } from "./world.js";
import { isoSeconds } from "./xml.js";

/** How long the stand-ins' credentials live (EC2 hands out about 6 h and rotates before the end). */
const MACHINE_SESSION_SECONDS = 6 * 3600;

/** IMDSv2 session tokens each world issued, with their expiry in real milliseconds. */
const imdsTokens = new WeakMap<World, Map<string, number>>();

function tokensOf(world: World): Map<string, number> {
  let tokens = imdsTokens.get(world);
  if (!tokens) {
    tokens = new Map();
    imdsTokens.set(world, tokens);
  }
  return tokens;
}

function text(status: number, body: string, action: string): RouteReply {
  return {
    status,
    headers: { "Content-Type": "text/plain" },
    body,
    action,
    ...(status >= 400 ? { errorCode: String(status) } : {}),
  };
}

function roleFor(world: World, account: string, name: string, service: string): RoleInfo | undefined {
  const role = world.findRole(`arn:aws:iam::${account}:role/${name}`);
  return role?.trust.principals.includes(service) ? role : undefined;
}

/** A fresh session of `role` for the machine, and its JSON as the metadata services print it. */
function machineCredentials(
  context: RouteContext,
  role: RoleInfo,
  sessionName: string,
): Record<string, string> {
  const session = context.world.issueSession(plainRoleGrant(role, sessionName), MACHINE_SESSION_SECONDS);
  return {
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    Token: session.sessionToken,
    Expiration: isoSeconds(session.expiresAtMs),
  };
}

function header(context: RouteContext, name: string): string | undefined {
  const value = context.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function instanceMetadata(context: RouteContext): RouteReply | undefined {
  const match = /^\/imds\/(\d{12})\/([\w+=,.@-]+)\/latest\/(.*)$/.exec(context.path);
  if (!match) return undefined;
  const [, account = "", name = "", rest = ""] = match;
  const tokens = tokensOf(context.world);
  if (rest === "api/token") {
    if (context.method !== "PUT") return text(405, "", "IMDS:GetToken");
    const ttl = Number(header(context, "x-aws-ec2-metadata-token-ttl-seconds"));
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text(400, "", "IMDS:GetToken");
    const token = randomBytes(32).toString("base64");
    tokens.set(token, Date.now() + ttl * 1000);
    return text(200, token, "IMDS:GetToken");
  }
  if (context.method !== "GET") return text(405, "", "IMDS:Get");
  const token = header(context, "x-aws-ec2-metadata-token");
  const expires = token === undefined ? undefined : tokens.get(token);
  if (expires === undefined || expires <= Date.now()) return text(401, "", "IMDS:Get");
  const role = roleFor(context.world, account, name, "ec2.amazonaws.com");
  if (rest === "meta-data/iam/security-credentials/" || rest === "meta-data/iam/security-credentials") {
    return role ? text(200, role.name, "IMDS:ListRoles") : text(404, "", "IMDS:ListRoles");
  }
  if (rest === `meta-data/iam/security-credentials/${name}` && role) {
    const credentials = machineCredentials(context, role, "i-0123456789abcdef0");
    const body = JSON.stringify({
      Code: "Success",
      LastUpdated: isoSeconds(context.clock.nowMs()),
      Type: "AWS-HMAC",
      ...credentials,
    });
    return { status: 200, headers: { "Content-Type": "text/plain" }, body, action: "IMDS:GetCredentials" };
  }
  return text(404, "", "IMDS:Get");
}

function containerCredentials(context: RouteContext): RouteReply | undefined {
  const match = /^\/ecs\/(\d{12})\/([\w+=,.@-]+)$/.exec(context.path);
  if (!match) return undefined;
  const [, account = "", name = ""] = match;
  const action = "ECS:GetCredentials";
  if (context.method !== "GET") return text(405, "", action);
  const role = roleFor(context.world, account, name, "ecs-tasks.amazonaws.com");
  if (!role) return text(404, "", action);
  const required = role.trust.containerToken;
  if (required !== undefined && header(context, "authorization") !== required) {
    return text(401, JSON.stringify({ message: "Unauthorized" }), action);
  }
  const body = JSON.stringify({ RoleArn: role.arn, ...machineCredentials(context, role, "ecs-task") });
  return { status: 200, headers: { "Content-Type": "application/json" }, body, action };
}

ROUTES.push(instanceMetadata, containerCredentials);
