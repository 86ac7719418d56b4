/**
 * The emulator's IAM key calls, GetFederationToken and the federation endpoint stand-in, driven by
 * the real SDK clients (`@aws-sdk/client-iam` signs for service `iam`, independently of the
 * emulator's verifier) and plain `fetch`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeSigninToken } from "../../src/sandbox/federation.js";
import {
  type Creds,
  codeOf,
  credsOf,
  DEV_ROLE,
  rawRequest,
  rejectsWith,
  startWorld,
  type TestWorld,
} from "./helpers.js";

async function iamFor(world: TestWorld, creds: Creds) {
  const iam = await import("@aws-sdk/client-iam");
  const client = new iam.IAMClient({
    endpoint: world.emu.url,
    region: "us-east-1",
    credentials: creds,
    maxAttempts: 1,
  });
  return { iam, client };
}

describe("IAM access keys in the emulator", () => {
  test("a user without MFA lists, creates and deletes its own keys, at most two", async (t) => {
    const world = await startWorld(t);
    const { iam, client } = await iamFor(world, world.stranger);
    const user = await client.send(new iam.GetUserCommand({}));
    assert.equal(user.User?.Arn, world.stranger.arn);
    const created = await client.send(new iam.CreateAccessKeyCommand({}));
    assert.match(created.AccessKey?.AccessKeyId ?? "", /^AKIA/);
    assert.ok(created.AccessKey?.SecretAccessKey);
    const listed = await client.send(new iam.ListAccessKeysCommand({}));
    assert.deepEqual(
      listed.AccessKeyMetadata?.map((k) => k.AccessKeyId),
      [world.stranger.accessKeyId, created.AccessKey?.AccessKeyId],
    );
    await rejectsWith(client.send(new iam.CreateAccessKeyCommand({})), {
      code: "LimitExceededException",
      status: 409,
      message: "Cannot exceed quota for AccessKeysPerUser: 2",
    });
    await client.send(new iam.DeleteAccessKeyCommand({ AccessKeyId: created.AccessKey?.AccessKeyId }));
    await rejectsWith(client.send(new iam.DeleteAccessKeyCommand({ AccessKeyId: "AKIANOSUCHKEY0000000" })), {
      code: "NoSuchEntityException",
      status: 404,
    });
    client.destroy();
  });

  test("a new key is refused by STS until the world's delay has passed", async (t) => {
    const world = await startWorld(t);
    world.emu.world.newKeyDelayMs = 1000;
    const { iam, client } = await iamFor(world, world.stranger);
    const key = (await client.send(new iam.CreateAccessKeyCommand({}))).AccessKey;
    const fresh = { accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" };
    const sts = world.client(fresh, { maxAttempts: 1 });
    await rejectsWith(sts.send(new world.sdk.GetCallerIdentityCommand({})), {
      code: "InvalidClientTokenId",
      status: 403,
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await sts.send(new world.sdk.GetCallerIdentityCommand({}))).Arn, world.stranger.arn);
    client.destroy();
  });

  test("a user with an MFA device needs an MFA session for IAM; another user's keys are refused", async (t) => {
    const world = await startWorld(t);
    const plain = await iamFor(world, world.me);
    await rejectsWith(plain.client.send(new plain.iam.ListAccessKeysCommand({})), {
      code: "AccessDenied",
      status: 403,
    });
    const sts = world.client(world.me);
    const noMfa = credsOf(await sts.send(new world.sdk.GetSessionTokenCommand({})));
    const withoutMfa = await iamFor(world, noMfa);
    await rejectsWith(withoutMfa.client.send(new withoutMfa.iam.ListAccessKeysCommand({})), {
      code: "InvalidClientTokenId",
      status: 403,
    });
    const mfa = credsOf(
      await sts.send(
        new world.sdk.GetSessionTokenCommand({
          SerialNumber: world.me.mfa.serial,
          TokenCode: codeOf(world.seed),
        }),
      ),
    );
    const withMfa = await iamFor(world, mfa);
    const listed = await withMfa.client.send(new withMfa.iam.ListAccessKeysCommand({}));
    assert.deepEqual(
      listed.AccessKeyMetadata?.map((k) => k.AccessKeyId),
      [world.me.accessKeyId],
    );
    await rejectsWith(withMfa.client.send(new withMfa.iam.ListAccessKeysCommand({ UserName: "stranger" })), {
      code: "AccessDenied",
      status: 403,
    });
    for (const c of [plain, withoutMfa, withMfa]) c.client.destroy();
  });

  test("an IAM request signed for sts is refused for its scope", async (t) => {
    const world = await startWorld(t);
    const res = await rawRequest(world.emu, {
      creds: world.stranger,
      params: { Action: "ListAccessKeys", Version: "2010-05-08" },
      service: "sts",
    });
    assert.equal(res.status, 403);
    assert.equal(res.message, "Credential should be scoped to correct service: 'iam'. ");
  });
});

describe("GetFederationToken and the federation endpoint in the emulator", () => {
  test("a user's long-term key gets a federated-user session; session credentials are refused", async (t) => {
    const world = await startWorld(t);
    const sts = world.client(world.stranger);
    const out = await sts.send(
      new world.sdk.GetFederationTokenCommand({ Name: "ada", DurationSeconds: 3600 }),
    );
    assert.equal(out.FederatedUser?.Arn, "arn:aws:sts::444444444444:federated-user/ada");
    const session = credsOf(out);
    const who = await world.client(session).send(new world.sdk.GetCallerIdentityCommand({}));
    assert.equal(who.Arn, "arn:aws:sts::444444444444:federated-user/ada");
    await rejectsWith(world.client(session).send(new world.sdk.GetFederationTokenCommand({ Name: "ada" })), {
      code: "AccessDenied",
      status: 403,
      message: "Cannot call GetFederationToken with session credentials",
    });
  });

  test("getSigninToken answers a token naming a live role session, and login redirects with it", async (t) => {
    const world = await startWorld(t);
    const role = credsOf(
      await world
        .client(world.me)
        .send(new world.sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "signin" })),
    );
    const session = JSON.stringify({
      sessionId: role.accessKeyId,
      sessionKey: role.secretAccessKey,
      sessionToken: role.sessionToken,
    });
    const get = (query: Record<string, string>) =>
      fetch(`${world.emu.url}/federation?${new URLSearchParams(query)}`, { redirect: "manual" });
    const ok = await get({ Action: "getSigninToken", Session: session });
    assert.equal(ok.status, 200);
    const token = ((await ok.json()) as { SigninToken: string }).SigninToken;
    assert.equal(decodeSigninToken(token).sessionId, role.accessKeyId);
    const login = await get({
      Action: "login",
      Issuer: "t",
      Destination: "https://console.aws.amazon.com/",
      SigninToken: token,
    });
    assert.equal(login.status, 302);
    assert.equal(login.headers.get("location"), "https://console.aws.amazon.com/");
    const forged = await get({
      Action: "login",
      Destination: "https://console.aws.amazon.com/",
      SigninToken: `${token}x`,
    });
    assert.equal(forged.status, 400);
    const wrongKey = JSON.stringify({ ...JSON.parse(session), sessionKey: "nope" });
    assert.equal((await get({ Action: "getSigninToken", Session: wrongKey })).status, 400);
    const gst = credsOf(await world.client(world.stranger).send(new world.sdk.GetSessionTokenCommand({})));
    const gstSession = JSON.stringify({
      sessionId: gst.accessKeyId,
      sessionKey: gst.secretAccessKey,
      sessionToken: gst.sessionToken,
    });
    assert.equal(
      (await get({ Action: "getSigninToken", Session: gstSession })).status,
      400,
      "GetSessionToken sessions cannot sign in",
    );
    assert.ok(
      world.emu.calls.every((c) => !("Session" in c.params) && !("SigninToken" in c.params)),
      "the call log keeps no session secret",
    );
    world.emu.clock.advance(3601);
    assert.equal((await get({ Action: "getSigninToken", Session: session })).status, 400, "expired");
  });
});
