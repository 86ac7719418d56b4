import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { credsOf, rawRequest, rejectsWith, send, startWorld } from "./helpers.js";

const CALLER_IDENTITY = { Action: "GetCallerIdentity", Version: "2011-06-15" };

describe("SigV4 verification with the real SDK", () => {
  test("a request the SDK signs with the user's keys is answered", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(out.Arn, "arn:aws:iam::111111111111:user/me");
  });

  test("a request signed with a wrong secret does not match", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    // The last character changed: to "x", or to "y" when it is an "x" already (1 run in 64 before).
    const last = me.secretAccessKey.endsWith("x") ? "y" : "x";
    const wrong = {
      accessKeyId: me.accessKeyId,
      secretAccessKey: `${me.secretAccessKey.slice(0, -1)}${last}`,
    };
    await rejectsWith(client(wrong).send(new sdk.GetCallerIdentityCommand({})), {
      code: "SignatureDoesNotMatch",
      status: 403,
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    });
  });

  test("a body changed after signing does not match", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const sts = client(me);
    // The deserialize step runs after signing, just before the request is sent.
    sts.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: string };
        request.body = request.body?.replace("RoleSessionName=alice", "RoleSessionName=bobby");
        return next(args);
      },
      { step: "deserialize", name: "tamperAfterSigning" },
    );
    await rejectsWith(
      sts.send(
        new sdk.AssumeRoleCommand({
          RoleArn: "arn:aws:iam::222222222222:role/dev",
          RoleSessionName: "alice",
        }),
      ),
      {
        code: "SignatureDoesNotMatch",
        status: 403,
      },
    );
  });

  test("an unknown access key is an invalid client token", async (t) => {
    const { sdk, client } = await startWorld(t);
    const unknown = { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x".repeat(40) };
    await rejectsWith(client(unknown).send(new sdk.GetCallerIdentityCommand({})), {
      code: "InvalidClientTokenId",
      status: 403,
      message: "The security token included in the request is invalid.",
    });
  });

  test("a temporary key without its session token is an invalid client token", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const { sessionToken: _, ...keysOnly } = credsOf(
      await client(me).send(new sdk.GetSessionTokenCommand({})),
    );
    await rejectsWith(client(keysOnly).send(new sdk.GetCallerIdentityCommand({})), {
      code: "InvalidClientTokenId",
      status: 403,
    });
  });

  test("a temporary key with another session's token is an invalid client token", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const first = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    const second = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    await rejectsWith(
      client({ ...first, sessionToken: second.sessionToken }).send(new sdk.GetCallerIdentityCommand({})),
      { code: "InvalidClientTokenId", status: 403 },
    );
  });

  test("a long-term key sent with a session token is an invalid client token", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const session = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    await rejectsWith(
      client({ ...me, sessionToken: session.sessionToken }).send(new sdk.GetCallerIdentityCommand({})),
      { code: "InvalidClientTokenId", status: 403 },
    );
  });

  test("the region a client signs for is recorded with the call", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    await client(me, { region: "eu-west-3" }).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(emu.calls.at(-1)?.region, "eu-west-3");
  });

  test("an SDK signing 20 minutes early is refused once, then signs on the server's Date header time", async (t) => {
    const { sdk, emu, me } = await startWorld(t);
    const sts = new sdk.STSClient({
      endpoint: emu.url,
      region: "us-east-1",
      credentials: me,
      systemClockOffset: -20 * 60_000,
    });
    await rejectsWith(sts.send(new sdk.GetCallerIdentityCommand({})), {
      code: "SignatureDoesNotMatch",
      status: 403,
      message: /^Signature expired: /,
    });
    await sts.send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual(
      emu.calls.map((c) => c.errorCode ?? c.status),
      ["SignatureDoesNotMatch", 200],
    );
  });
});

describe("requests real clients would not send", () => {
  test("an unsigned request is missing its authentication token", async (t) => {
    const { emu } = await startWorld(t);
    const res = await send(
      emu,
      "POST",
      "/",
      { "content-type": "application/x-www-form-urlencoded" },
      new URLSearchParams(CALLER_IDENTITY).toString(),
    );
    assert.deepEqual([res.status, res.code], [403, "MissingAuthenticationToken"]);
  });

  test("a request signed 20 minutes ago has an expired signature", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, {
      creds: me,
      params: CALLER_IDENTITY,
      signedAtMs: Date.now() - 20 * 60_000,
    });
    assert.equal(res.status, 403);
    assert.match(
      res.message ?? "",
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
  });

  test("a request signed 20 minutes ahead is not yet current", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, {
      creds: me,
      params: CALLER_IDENTITY,
      signedAtMs: Date.now() + 20 * 60_000,
    });
    assert.equal(res.code, "SignatureDoesNotMatch");
    assert.match(res.message ?? "", /^Signature not yet current/);
  });

  test("a signature that does not cover host is refused", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, { creds: me, params: CALLER_IDENTITY, signHost: false });
    assert.deepEqual([res.status, res.code], [403, "SignatureDoesNotMatch"]);
  });

  test("a signature scoped to another service is refused", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, { creds: me, params: CALLER_IDENTITY, service: "iam" });
    assert.equal(res.message, "Credential should be scoped to correct service: 'sts'. ");
  });

  test("a GET with the parameters in the signed query string is answered", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, { creds: me, params: CALLER_IDENTITY, method: "GET" });
    assert.equal(res.status, 200);
    assert.match(res.body, /<Arn>arn:aws:iam::111111111111:user\/me<\/Arn>/);
  });

  test("a presigned URL is answered while valid and refused once expired", async (t) => {
    const { emu, me } = await startWorld(t);
    const valid = await rawRequest(emu, { creds: me, params: CALLER_IDENTITY, method: "GET", presign: true });
    const expired = await rawRequest(emu, {
      creds: me,
      params: CALLER_IDENTITY,
      method: "GET",
      presign: true,
      expires: 5,
      signedAtMs: Date.now() - 10_000,
    });
    assert.deepEqual([valid.status, expired.status, expired.code], [200, 403, "SignatureDoesNotMatch"]);
  });

  test("a body tampered after signing does not match", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, {
      creds: me,
      params: { ...CALLER_IDENTITY, Extra: "a" },
      tamperBody: (body) => body.replace("Extra=a", "Extra=b"),
    });
    assert.equal(res.code, "SignatureDoesNotMatch");
  });
});

describe("actions", () => {
  test("an unknown action is an invalid action", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, {
      creds: me,
      params: { Action: "DeleteEverything", Version: "2011-06-15" },
    });
    assert.deepEqual(
      [res.status, res.code, res.message],
      [400, "InvalidAction", "Could not find operation DeleteEverything for version 2011-06-15"],
    );
  });

  test("an Action named like an Object.prototype member is an invalid action", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, {
      creds: me,
      params: { Action: "constructor", Version: "2011-06-15" },
    });
    assert.equal(res.code, "InvalidAction");
  });

  test("a request without Version names no version", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, { creds: me, params: { Action: "GetCallerIdentity" } });
    assert.equal(res.message, "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED");
  });

  test("errors are STS error XML with the request id in a header and in the body", async (t) => {
    const { emu, me } = await startWorld(t);
    const res = await rawRequest(emu, { creds: me, params: { Action: "Nope", Version: "2011-06-15" } });
    const id = emu.calls.at(-1)?.requestId ?? "";
    assert.equal(
      res.body,
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation Nope for version 2011-06-15</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
    );
  });
});
