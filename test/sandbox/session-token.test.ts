import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { codeOf, credsOf, rejectsWith, startWorld, wrongCode } from "./helpers.js";

const INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. ";

describe("GetSessionToken", () => {
  test("without MFA it issues a 12-hour session that is not MFA-authenticated", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const out = await client(me).send(new sdk.GetSessionTokenCommand({}));
    const session = emu.session(credsOf(out).accessKeyId);
    assert.equal(out.Credentials?.Expiration?.getTime(), session?.expiration.getTime());
    assert.deepEqual(
      [
        session?.kind,
        session?.mfaAuthenticated,
        (session?.expiration.getTime() ?? 0) - (session?.issuedAt.getTime() ?? 0),
      ],
      ["session-token", false, 43200_000],
    );
  });

  test("issued keys look like AWS temporary credentials", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const creds = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    assert.match(creds.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(creds.secretAccessKey.length, 40);
    assert.ok((creds.sessionToken?.length ?? 0) > 300);
  });

  test("with the device's current code it issues an MFA-authenticated session", async (t) => {
    const { sdk, emu, me, seed, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: codeOf(seed) }),
    );
    assert.equal(emu.session(credsOf(out).accessKeyId)?.mfaAuthenticated, true);
  });

  test("the code of the next time step is still accepted", async (t) => {
    const { sdk, me, seed, client } = await startWorld(t);
    await client(me).send(
      new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: codeOf(seed, 1) }),
    );
  });

  test("a wrong code is refused", async (t) => {
    const { sdk, me, seed, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(
        new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: wrongCode(seed) }),
      ),
      { code: "AccessDenied", status: 403, message: INVALID_CODE },
    );
  });

  test("a code that was already used is refused like a wrong one", async (t) => {
    const { sdk, me, seed, client } = await startWorld(t);
    const code = codeOf(seed);
    await client(me).send(new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: code }));
    await rejectsWith(
      client(me).send(new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: code })),
      {
        code: "AccessDenied",
        status: 403,
        message: INVALID_CODE,
      },
    );
  });

  test("a device that is not the caller's cannot validate the code", async (t) => {
    const { sdk, stranger, seed, me, client } = await startWorld(t);
    await rejectsWith(
      client(stranger).send(
        new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: codeOf(seed) }),
      ),
      {
        code: "AccessDenied",
        status: 403,
        message:
          "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
      },
    );
  });

  test("a code that is not six digits is a validation error that does not echo it", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: "12345" })),
      {
        code: "ValidationError",
        status: 400,
        message:
          "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
      },
    );
  });

  test("36 hours is the longest session and 15 minutes the shortest", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await client(me).send(new sdk.GetSessionTokenCommand({ DurationSeconds: 129600 }));
    await client(me).send(new sdk.GetSessionTokenCommand({ DurationSeconds: 900 }));
    await rejectsWith(client(me).send(new sdk.GetSessionTokenCommand({ DurationSeconds: 129601 })), {
      code: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
    });
    await rejectsWith(client(me).send(new sdk.GetSessionTokenCommand({ DurationSeconds: 899 })), {
      code: "ValidationError",
      status: 400,
      message: /Member must have value greater than or equal to 900$/,
    });
  });

  test("session credentials cannot call it", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const session = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    await rejectsWith(client(session).send(new sdk.GetSessionTokenCommand({})), {
      code: "AccessDenied",
      status: 403,
      message: "Cannot call GetSessionToken with session credentials",
    });
  });

  test("the call log shows that a code was sent but never the code", async (t) => {
    const { sdk, emu, me, seed, client } = await startWorld(t);
    const code = codeOf(seed);
    await client(me).send(new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: code }));
    const call = emu.calls.at(-1);
    assert.equal(call?.tokenCode, true);
    assert.doesNotMatch(JSON.stringify(emu.calls), new RegExp(code));
  });
});

describe("GetCallerIdentity", () => {
  test("a user's long-term keys answer with the user ARN and an AIDA user id", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual([out.Account, out.Arn, out.UserId], ["111111111111", me.arn, me.userId]);
    assert.match(out.UserId ?? "", /^AIDA[A-Z0-9]{17}$/);
  });

  test("a GetSessionToken session answers as its user", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const session = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    const out = await client(session).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(out.Arn, me.arn);
  });
});
