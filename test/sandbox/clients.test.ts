/**
 * Signatures and parsing by other real clients: the AWS CLI v2 and boto3 (botocore signs
 * independently of the JavaScript SDK, so agreement with both is a strong check of the verifier).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, type TestContext, test } from "node:test";
import {
  type Creds,
  codeOf,
  DEV_ROLE,
  isolatedAwsEnv,
  requireTool,
  run,
  startWorld,
  wrongCode,
} from "./helpers.js";

const AWS_CLI = "/usr/bin/aws";
const PYTHON = "/usr/bin/python3";

/** Runs the AWS CLI with `creds` in the environment of an isolated HOME. */
async function aws(url: string, creds: Creds, args: string[]) {
  const env = {
    ...isolatedAwsEnv(),
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
  };
  // aws-cli 2.9 ignores AWS_ENDPOINT_URL, so the endpoint goes on the command line.
  return run(AWS_CLI, ["sts", ...args, "--endpoint-url", url, "--output", "json"], { env });
}

function needsCli(t: TestContext): boolean {
  return requireTool(t, existsSync(AWS_CLI), `the AWS CLI v2 (${AWS_CLI})`);
}

let boto3: Promise<boolean> | undefined;
async function needsBoto3(t: TestContext): Promise<boolean> {
  boto3 ??= run(PYTHON, ["-c", "import boto3"], { env: isolatedAwsEnv() }).then(
    () => true,
    () => false,
  );
  return requireTool(t, await boto3, `boto3 for ${PYTHON}`);
}

/** Runs a Python snippet with `sts`, a boto3 STS client for the emulator and `creds`, in scope. */
async function python(url: string, creds: Creds, body: string): Promise<string> {
  const script = [
    "import boto3, json, sys, urllib.request",
    "from botocore.exceptions import ClientError",
    "sts = boto3.client('sts', endpoint_url=sys.argv[1], region_name='eu-central-1',",
    "    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])",
    body,
  ].join("\n");
  const { stdout } = await run(PYTHON, ["-c", script, url, creds.accessKeyId, creds.secretAccessKey], {
    env: isolatedAwsEnv(),
  });
  return stdout.trim();
}

describe("AWS CLI v2", () => {
  test("get-caller-identity with keys from the environment answers with the user", async (t) => {
    if (!needsCli(t)) return;
    const { emu, me } = await startWorld(t);
    const { stdout } = await aws(emu.url, me, ["get-caller-identity"]);
    assert.deepEqual(JSON.parse(stdout), { UserId: me.userId, Account: "111111111111", Arn: me.arn });
  });

  test("get-session-token with an MFA code issues an MFA-authenticated session", async (t) => {
    if (!needsCli(t)) return;
    const { emu, me, seed } = await startWorld(t);
    const { stdout } = await aws(emu.url, me, [
      "get-session-token",
      "--serial-number",
      me.mfa.serial,
      "--token-code",
      codeOf(seed),
    ]);
    const { Credentials } = JSON.parse(stdout) as {
      Credentials: { AccessKeyId: string; Expiration: string };
    };
    assert.equal(emu.session(Credentials.AccessKeyId)?.mfaAuthenticated, true);
  });

  test("session credentials with their token work for assume-role", async (t) => {
    if (!needsCli(t)) return;
    const { emu, me } = await startWorld(t);
    const session = JSON.parse((await aws(emu.url, me, ["get-session-token"])).stdout).Credentials;
    const creds = {
      accessKeyId: session.AccessKeyId,
      secretAccessKey: session.SecretAccessKey,
      sessionToken: session.SessionToken,
    };
    const { stdout } = await aws(emu.url, creds, [
      "assume-role",
      "--role-arn",
      DEV_ROLE,
      "--role-session-name",
      "cli",
    ]);
    assert.equal(JSON.parse(stdout).AssumedRoleUser.Arn, "arn:aws:sts::222222222222:assumed-role/dev/cli");
  });

  test("a wrong MFA code surfaces as the CLI's AccessDenied error", async (t) => {
    if (!needsCli(t)) return;
    const { emu, me, seed } = await startWorld(t);
    const args = ["get-session-token", "--serial-number", me.mfa.serial, "--token-code", wrongCode(seed)];
    await assert.rejects(aws(emu.url, me, args), (error: { stderr?: string }) => {
      assert.match(
        error.stderr ?? "",
        /An error occurred \(AccessDenied\) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code\./,
      );
      return true;
    });
  });
});

describe("boto3", () => {
  test("get_caller_identity signed by botocore is answered, with the region recorded", async (t) => {
    if (!(await needsBoto3(t))) return;
    const { emu, me } = await startWorld(t);
    assert.equal(await python(emu.url, me, "print(sts.get_caller_identity()['Arn'])"), me.arn);
    assert.equal(emu.calls.at(-1)?.region, "eu-central-1");
  });

  test("assume_role with tags parses into botocore's response shape", async (t) => {
    if (!(await needsBoto3(t))) return;
    const { emu, me } = await startWorld(t);
    const out = await python(
      emu.url,
      me,
      `r = sts.assume_role(RoleArn='${DEV_ROLE}', RoleSessionName='py', Tags=[{'Key': 'k', 'Value': 'v'}])
print(json.dumps([r['AssumedRoleUser']['Arn'], r['PackedPolicySize'], r['Credentials']['Expiration'].isoformat()]))`,
    );
    const [arn, packed, expiration] = JSON.parse(out) as [string, number, string];
    assert.deepEqual(
      [arn, packed > 0, expiration.endsWith("+00:00")],
      ["arn:aws:sts::222222222222:assumed-role/dev/py", true, true],
    );
  });

  test("a ClientError carries STS's error code and HTTP status", async (t) => {
    if (!(await needsBoto3(t))) return;
    const { emu, stranger } = await startWorld(t);
    const out = await python(
      emu.url,
      stranger,
      `try:
    sts.assume_role(RoleArn='${DEV_ROLE}', RoleSessionName='py')
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]))`,
    );
    assert.deepEqual(JSON.parse(out), ["AccessDenied", 403]);
  });

  test("a URL presigned by botocore for GET is answered", async (t) => {
    if (!(await needsBoto3(t))) return;
    const { emu, me } = await startWorld(t);
    const out = await python(
      emu.url,
      me,
      `url = sts.generate_presigned_url('get_caller_identity', HttpMethod='GET', ExpiresIn=60)
print(urllib.request.urlopen(url).read().decode())`,
    );
    assert.match(out, new RegExp(`<Arn>${me.arn}</Arn>`));
  });
});
