/**
 * The emulator's stand-ins for a machine's credentials (IMDSv2, container credentials) and its
 * AssumeRoleWithWebIdentity, checked with clients vsw did not write: the AWS CLI v2 (botocore's
 * own IMDS and container providers) and the AWS SDK for JavaScript.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, type TestContext, test } from "node:test";
import { type StsEmulator, startStsEmulator } from "../../src/sandbox/index.js";
import { webIdentityToken } from "../../src/sandbox/web-identity.js";
import { isolatedAwsEnv, loadSdk, requireTool, run } from "./helpers.js";

const AWS_CLI = "/usr/bin/aws";
const TOKEN = "task-token-123";

async function world(t: TestContext): Promise<StsEmulator> {
  const emu = await startStsEmulator();
  t.after(() => emu.close());
  emu.createRole({
    account: "666666666666",
    name: "machine",
    trust: { principals: ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"], containerToken: TOKEN },
  });
  emu.createRole({
    account: "444444444444",
    name: "ci",
    trust: { principals: [], webIdentity: { issuer: "https://idp.example", audience: "sts.amazonaws.com" } },
  });
  return emu;
}

/** `aws sts get-caller-identity` with no credentials but what `env` points the CLI at. */
async function callerArn(emu: StsEmulator, env: NodeJS.ProcessEnv): Promise<string> {
  const { AWS_EC2_METADATA_DISABLED: _, ...base } = isolatedAwsEnv();
  const { stdout } = await run(
    AWS_CLI,
    ["sts", "get-caller-identity", "--endpoint-url", emu.url, "--output", "json"],
    { env: { ...base, ...env } },
  );
  return (JSON.parse(stdout) as { Arn: string }).Arn;
}

describe("machine credential stand-ins, read by the AWS CLI v2", () => {
  test("the IMDSv2 stand-in gives botocore the instance role's credentials", async (t) => {
    if (!requireTool(t, existsSync(AWS_CLI), `the AWS CLI v2 (${AWS_CLI})`)) return;
    const emu = await world(t);
    const arn = await callerArn(emu, {
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${emu.url}/imds/666666666666/machine/`,
    });
    assert.equal(arn, "arn:aws:sts::666666666666:assumed-role/machine/i-0123456789abcdef0");
    // botocore used IMDSv2: a token first, then the two reads.
    assert.deepEqual(
      emu.calls.slice(0, 3).map((c) => c.action),
      ["IMDS:GetToken", "IMDS:ListRoles", "IMDS:GetCredentials"],
    );
  });

  test("the container stand-in gives botocore the task role's credentials for the right token", async (t) => {
    if (!requireTool(t, existsSync(AWS_CLI), `the AWS CLI v2 (${AWS_CLI})`)) return;
    const emu = await world(t);
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${emu.url}/ecs/666666666666/machine`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN,
    };
    assert.equal(await callerArn(emu, env), "arn:aws:sts::666666666666:assumed-role/machine/ecs-task");
    await assert.rejects(callerArn(emu, { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong" }));
  });

  test("an IMDS read without the session token is 401, as with IMDSv2 required", async (t) => {
    const emu = await world(t);
    const response = await fetch(
      `${emu.url}/imds/666666666666/machine/latest/meta-data/iam/security-credentials/`,
    );
    assert.equal(response.status, 401);
  });
});

describe("AssumeRoleWithWebIdentity, called by the AWS SDK for JavaScript", () => {
  test("an unsigned call with a trusted token gets the role's session", async (t) => {
    const emu = await world(t);
    const sdk = await loadSdk();
    const client = new sdk.STSClient({ region: "us-east-1", endpoint: emu.url });
    t.after(() => client.destroy());
    const out = await client.send(
      new sdk.AssumeRoleWithWebIdentityCommand({
        RoleArn: "arn:aws:iam::444444444444:role/ci",
        RoleSessionName: "sdk",
        WebIdentityToken: webIdentityToken({
          issuer: "https://idp.example",
          audience: "sts.amazonaws.com",
          subject: "x",
        }),
      }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::444444444444:assumed-role/ci/sdk");
    assert.equal(out.SubjectFromWebIdentityToken, "x");
    assert.equal(emu.session(out.Credentials?.AccessKeyId ?? "")?.arn, out.AssumedRoleUser?.Arn);
  });

  test("a token for another audience is AccessDenied, one from another issuer InvalidIdentityToken", async (t) => {
    const emu = await world(t);
    const sdk = await loadSdk();
    const client = new sdk.STSClient({ region: "us-east-1", endpoint: emu.url });
    t.after(() => client.destroy());
    const call = (issuer: string, audience: string) =>
      client.send(
        new sdk.AssumeRoleWithWebIdentityCommand({
          RoleArn: "arn:aws:iam::444444444444:role/ci",
          RoleSessionName: "sdk",
          WebIdentityToken: webIdentityToken({ issuer, audience, subject: "x" }),
        }),
      );
    await assert.rejects(call("https://idp.example", "other"), { name: "AccessDenied" });
    await assert.rejects(call("https://other.example", "sts.amazonaws.com"), {
      name: "InvalidIdentityTokenException",
    });
  });

  test("a token expired on the emulator's clock is ExpiredTokenException", async (t) => {
    const emu = await world(t);
    const sdk = await loadSdk();
    const client = new sdk.STSClient({ region: "us-east-1", endpoint: emu.url });
    t.after(() => client.destroy());
    const token = webIdentityToken({
      issuer: "https://idp.example",
      audience: "sts.amazonaws.com",
      subject: "x",
    });
    emu.clock.advance(2 * 3600);
    await assert.rejects(
      client.send(
        new sdk.AssumeRoleWithWebIdentityCommand({
          RoleArn: "arn:aws:iam::444444444444:role/ci",
          RoleSessionName: "sdk",
          WebIdentityToken: token,
        }),
      ),
      { name: "ExpiredTokenException" },
    );
  });
});
