import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AUDIT_ROLE,
  codeOf,
  credsOf,
  DEV_ROLE,
  PARTNER_EXTERNAL_ID,
  PARTNER_ROLE,
  PROD_ROLE,
  rejectsWith,
  startWorld,
  wrongCode,
} from "./helpers.js";

const denied = (caller: string, role: string) => ({
  code: "AccessDenied",
  status: 403,
  message: `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
});

describe("AssumeRole trust", () => {
  test("a role that trusts the caller's account issues an assumed-role session", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::222222222222:assumed-role/dev/alice");
    assert.match(out.AssumedRoleUser?.AssumedRoleId ?? "", /^AROA[A-Z0-9]{17}:alice$/);
  });

  test("the role session answers GetCallerIdentity as the assumed role", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    const who = await client(credsOf(out)).send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual(
      [who.Account, who.Arn, who.UserId],
      [
        "222222222222",
        "arn:aws:sts::222222222222:assumed-role/dev/alice",
        out.AssumedRoleUser?.AssumedRoleId,
      ],
    );
  });

  test("a caller from another account is not authorized", async (t) => {
    const { sdk, stranger, client } = await startWorld(t);
    await rejectsWith(
      client(stranger).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "sx" })),
      denied(stranger.arn, DEV_ROLE),
    );
  });

  test("a role that does not exist is reported like one that does not trust the caller", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const missing = "arn:aws:iam::222222222222:role/nope";
    await rejectsWith(
      client(me).send(new sdk.AssumeRoleCommand({ RoleArn: missing, RoleSessionName: "alice" })),
      denied(me.arn, missing),
    );
  });

  test("a role that trusts a user by ARN admits that user", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await client(me).send(
      new sdk.AssumeRoleCommand({
        RoleArn: PARTNER_ROLE,
        RoleSessionName: "alice",
        ExternalId: PARTNER_EXTERNAL_ID,
      }),
    );
  });

  test("a role that requires an external id refuses a missing or wrong one", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const sts = client(me);
    await rejectsWith(
      sts.send(new sdk.AssumeRoleCommand({ RoleArn: PARTNER_ROLE, RoleSessionName: "alice" })),
      denied(me.arn, PARTNER_ROLE),
    );
    await rejectsWith(
      sts.send(
        new sdk.AssumeRoleCommand({ RoleArn: PARTNER_ROLE, RoleSessionName: "alice", ExternalId: "guess" }),
      ),
      denied(me.arn, PARTNER_ROLE),
    );
  });

  test("a role that trusts another role admits that role's sessions (chaining)", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const dev = credsOf(
      await client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" })),
    );
    const out = await client(dev).send(
      new sdk.AssumeRoleCommand({ RoleArn: AUDIT_ROLE, RoleSessionName: "audit-1" }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::666666666666:assumed-role/audit/audit-1");
  });

  test("the user itself is not a principal of a role that trusts only a role", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(new sdk.AssumeRoleCommand({ RoleArn: AUDIT_ROLE, RoleSessionName: "alice" })),
      denied(me.arn, AUDIT_ROLE),
    );
  });

  test("an assumed-role caller is named by its session ARN when refused", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const dev = credsOf(
      await client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" })),
    );
    await rejectsWith(
      client(dev).send(
        new sdk.AssumeRoleCommand({
          RoleArn: PARTNER_ROLE,
          RoleSessionName: "again",
          ExternalId: PARTNER_EXTERNAL_ID,
        }),
      ),
      denied("arn:aws:sts::222222222222:assumed-role/dev/alice", PARTNER_ROLE),
    );
  });
});

describe("AssumeRole with MFA", () => {
  test("a role that requires MFA refuses long-term keys without a code", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(new sdk.AssumeRoleCommand({ RoleArn: PROD_ROLE, RoleSessionName: "alice" })),
      denied(me.arn, PROD_ROLE),
    );
  });

  test("a role that requires MFA admits long-term keys with a valid code", async (t) => {
    const { sdk, emu, me, seed, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({
        RoleArn: PROD_ROLE,
        RoleSessionName: "alice",
        SerialNumber: me.mfa.serial,
        TokenCode: codeOf(seed),
      }),
    );
    assert.equal(emu.session(credsOf(out).accessKeyId)?.mfaAuthenticated, true);
  });

  test("a wrong code is refused even for a role that does not require MFA", async (t) => {
    const { sdk, me, seed, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(
        new sdk.AssumeRoleCommand({
          RoleArn: DEV_ROLE,
          RoleSessionName: "alice",
          SerialNumber: me.mfa.serial,
          TokenCode: wrongCode(seed),
        }),
      ),
      {
        code: "AccessDenied",
        status: 403,
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
      },
    );
  });

  test("a session made with MFA carries MFA into the role", async (t) => {
    const { sdk, me, seed, client } = await startWorld(t);
    const session = credsOf(
      await client(me).send(
        new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: codeOf(seed) }),
      ),
    );
    const out = await client(session).send(
      new sdk.AssumeRoleCommand({ RoleArn: PROD_ROLE, RoleSessionName: "alice" }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::333333333333:assumed-role/prod/alice");
  });

  test("a session made without MFA does not satisfy a role that requires it", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const session = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    await rejectsWith(
      client(session).send(new sdk.AssumeRoleCommand({ RoleArn: PROD_ROLE, RoleSessionName: "alice" })),
      denied(me.arn, PROD_ROLE),
    );
  });
});
