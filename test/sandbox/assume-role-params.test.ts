import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AUDIT_ROLE, credsOf, DEV_ROLE, LONG_ROLE, rejectsWith, startWorld } from "./helpers.js";

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
const CHAINING =
  "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";

describe("AssumeRole durations", () => {
  test("the default is one hour", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    const session = emu.session(credsOf(out).accessKeyId);
    assert.equal((session?.expiration.getTime() ?? 0) - (session?.issuedAt.getTime() ?? 0), 3600_000);
  });

  test("more than the role's maximum is a validation error", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(
        new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice", DurationSeconds: 3601 }),
      ),
      {
        code: "ValidationError",
        status: 400,
        message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      },
    );
  });

  test("a role with a 12-hour maximum grants 12 hours to long-term keys", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: "alice", DurationSeconds: 43200 }),
    );
  });

  test("less than 15 minutes is a validation error", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(
        new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice", DurationSeconds: 899 }),
      ),
      {
        code: "ValidationError",
        status: 400,
        message:
          "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      },
    );
  });

  test("GetSessionToken credentials get at most one hour, even from a 12-hour role", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const session = credsOf(await client(me).send(new sdk.GetSessionTokenCommand({})));
    await client(session).send(
      new sdk.AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: "alice", DurationSeconds: 3600 }),
    );
    await rejectsWith(
      client(session).send(
        new sdk.AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: "alice", DurationSeconds: 3601 }),
      ),
      { code: "ValidationError", status: 400, message: CHAINING },
    );
  });

  test("a role session chaining into another role gets at most one hour", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const dev = credsOf(
      await client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" })),
    );
    await rejectsWith(
      client(dev).send(
        new sdk.AssumeRoleCommand({ RoleArn: AUDIT_ROLE, RoleSessionName: "a2", DurationSeconds: 7200 }),
      ),
      { code: "ValidationError", status: 400, message: CHAINING },
    );
  });
});

describe("AssumeRole parameters", () => {
  test("a session name with a slash is a validation error in AWS's words", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "team/alice" })),
      {
        code: "ValidationError",
        status: 400,
        message:
          "1 validation error detected: Value 'team/alice' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      },
    );
  });

  test("markup in a rejected value survives the XML round trip", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "a<b>&'c\"" })),
      {
        code: "ValidationError",
        status: 400,
        message: /^1 validation error detected: Value 'a<b>&'c"' at 'roleSessionName'/,
      },
    );
  });

  test("several invalid parameters are reported together", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    await rejectsWith(
      client(me).send(
        new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "a", DurationSeconds: 50000 }),
      ),
      {
        code: "ValidationError",
        status: 400,
        message: /^2 validation errors detected: .*roleSessionName.*; .*durationSeconds/,
      },
    );
  });

  test("tags, transitive keys, policies and source identity are recorded on the session", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({
        RoleArn: DEV_ROLE,
        RoleSessionName: "alice",
        SourceIdentity: "alice@example.com",
        Tags: [
          { Key: "team", Value: "platform" },
          { Key: "cost-center", Value: "42" },
        ],
        TransitiveTagKeys: ["team"],
        Policy: POLICY,
        PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
      }),
    );
    const session = emu.session(credsOf(out).accessKeyId);
    assert.deepEqual(
      {
        sourceIdentity: session?.sourceIdentity,
        tags: session?.tags,
        transitiveTagKeys: session?.transitiveTagKeys,
        policyArns: session?.policyArns,
        policy: session?.policy,
      },
      {
        sourceIdentity: "alice@example.com",
        tags: { team: "platform", "cost-center": "42" },
        transitiveTagKeys: ["team"],
        policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        policy: POLICY,
      },
    );
  });

  test("the response carries SourceIdentity and a PackedPolicySize when tags are sent", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({
        RoleArn: DEV_ROLE,
        RoleSessionName: "alice",
        SourceIdentity: "alice",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    assert.equal(out.SourceIdentity, "alice");
    assert.ok((out.PackedPolicySize ?? 0) >= 1);
  });

  test("without tags or policies the response has no PackedPolicySize", async (t) => {
    const { sdk, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    assert.equal(out.PackedPolicySize, undefined);
  });

  test("transitive tags and the source identity carry into a chained role", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const dev = credsOf(
      await client(me).send(
        new sdk.AssumeRoleCommand({
          RoleArn: DEV_ROLE,
          RoleSessionName: "alice",
          SourceIdentity: "alice",
          Tags: [
            { Key: "team", Value: "platform" },
            { Key: "local", Value: "x" },
          ],
          TransitiveTagKeys: ["team"],
        }),
      ),
    );
    const audit = credsOf(
      await client(dev).send(new sdk.AssumeRoleCommand({ RoleArn: AUDIT_ROLE, RoleSessionName: "a2" })),
    );
    const session = emu.session(audit.accessKeyId);
    assert.deepEqual([session?.tags, session?.sourceIdentity], [{ team: "platform" }, "alice"]);
  });

  test("the call log keeps the request parameters", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    await client(me).send(
      new sdk.AssumeRoleCommand({
        RoleArn: DEV_ROLE,
        RoleSessionName: "alice",
        ExternalId: "x-1",
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    assert.deepEqual(emu.calls.at(-1)?.params, {
      RoleArn: DEV_ROLE,
      RoleSessionName: "alice",
      ExternalId: "x-1",
      "Tags.member.1.Key": "k",
      "Tags.member.1.Value": "v",
    });
  });
});
