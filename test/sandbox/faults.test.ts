import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEV_ROLE, rejectsWith, startWorld } from "./helpers.js";

describe("fault injection", () => {
  test("the SDK retries through two throttled answers, and the call log shows all three", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "throttle", times: 2 });
    const out = await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(out.$metadata.attempts, 3);
    assert.deepEqual(
      emu.calls.map((c) => [c.action, c.status, c.errorCode]),
      [
        ["GetCallerIdentity", 400, "Throttling"],
        ["GetCallerIdentity", 400, "Throttling"],
        ["GetCallerIdentity", 200, undefined],
      ],
    );
  });

  test("a throttled call the client does not retry fails with Rate exceeded", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "throttle" });
    await rejectsWith(client(me, { maxAttempts: 1 }).send(new sdk.GetCallerIdentityCommand({})), {
      code: "Throttling",
      status: 400,
      message: "Rate exceeded",
    });
  });

  test("a server error is a 500 InternalFailure that the SDK retries", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "server-error" });
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual(
      emu.calls.map((c) => [c.status, c.errorCode]),
      [
        [500, "InternalFailure"],
        [200, undefined],
      ],
    );
  });

  test("a fault for one action leaves other actions alone", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ action: "AssumeRole", kind: "throttle" });
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    await client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }));
    assert.deepEqual(
      emu.calls.map((c) => [c.action, c.errorCode]),
      [
        ["GetCallerIdentity", undefined],
        ["AssumeRole", "Throttling"],
        ["AssumeRole", undefined],
      ],
    );
  });

  test("faults are consumed in the order they were injected", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "server-error" });
    emu.injectFault({ kind: "throttle" });
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual(
      emu.calls.map((c) => c.errorCode ?? "ok"),
      ["InternalFailure", "Throttling", "ok"],
    );
  });

  test("a delay answers normally after the delay", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "delay", delayMs: 300 });
    const started = performance.now();
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.ok(performance.now() - started >= 290);
  });

  test("cleared faults do not fire", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.injectFault({ kind: "throttle", times: 5 });
    emu.clearFaults();
    await client(me, { maxAttempts: 1 }).send(new sdk.GetCallerIdentityCommand({}));
  });
});

describe("call log", () => {
  test("successCount counts successful calls per action", async (t) => {
    const { sdk, emu, me, stranger, client } = await startWorld(t);
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    await client(me).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }));
    await assert.rejects(
      client(stranger).send(new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "bob" })),
    );
    assert.deepEqual(
      [emu.successCount("AssumeRole"), emu.successCount("GetCallerIdentity"), emu.successCount()],
      [1, 1, 2],
    );
  });

  test("resetCalls empties the log in place", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const log = emu.calls;
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    emu.resetCalls();
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(log.length, 1);
  });

  test("each call records the caller's ARN and the claimed access key", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual([emu.calls[0]?.callerArn, emu.calls[0]?.accessKeyId], [me.arn, me.accessKeyId]);
  });
});
