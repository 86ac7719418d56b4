import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createVirtualClock } from "../../src/sandbox/clock.js";
import { codeOf, credsOf, DEV_ROLE, rejectsWith, startWorld } from "./helpers.js";

const EXPIRED = {
  code: "ExpiredToken",
  status: 400,
  message: "The security token included in the request is expired",
};

describe("virtual clock", () => {
  test("advance moves the clock by seconds and reset returns it to real time", () => {
    let wall = 1_000_000;
    const clock = createVirtualClock(() => wall);
    clock.advance(90);
    wall += 10;
    assert.equal(clock.nowMs(), 1_000_000 + 90_000 + 10);
    clock.reset();
    assert.equal(clock.nowMs(), wall);
  });

  test("set puts the clock at a date from which it keeps running", () => {
    let wall = 5_000;
    const clock = createVirtualClock(() => wall);
    clock.set("2030-01-01T00:00:00Z");
    wall += 1_000;
    assert.equal(clock.now().toISOString(), "2030-01-01T00:00:01.000Z");
  });

  test("set refuses an invalid date", () => {
    assert.throws(() => createVirtualClock().set("not a date"), RangeError);
  });
});

describe("session expiry", () => {
  test("a session works until its Expiration and is expired from then on", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    const role = client(credsOf(out));
    emu.clock.set((out.Credentials?.Expiration?.getTime() ?? 0) - 5_000);
    await role.send(new sdk.GetCallerIdentityCommand({}));
    emu.clock.advance(5);
    await rejectsWith(role.send(new sdk.GetCallerIdentityCommand({})), EXPIRED);
  });

  test("advancing past a GetSessionToken session's 12 hours expires it", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    const session = client(credsOf(await client(me).send(new sdk.GetSessionTokenCommand({}))));
    emu.clock.advance(43200);
    await rejectsWith(session.send(new sdk.GetCallerIdentityCommand({})), EXPIRED);
  });

  test("new sessions are dated by the virtual clock", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.clock.set("2031-05-01T08:00:00Z");
    const out = await client(me).send(
      new sdk.AssumeRoleCommand({ RoleArn: DEV_ROLE, RoleSessionName: "alice" }),
    );
    const expiration = out.Credentials?.Expiration?.getTime() ?? 0;
    assert.ok(
      Math.abs(expiration - Date.parse("2031-05-01T09:00:00Z")) < 5_000,
      new Date(expiration).toISOString(),
    );
  });

  test("moving the virtual clock does not affect signatures or long-term keys", async (t) => {
    const { sdk, emu, me, client } = await startWorld(t);
    emu.clock.advance(10 * 365 * 86400);
    const out = await client(me).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(out.Arn, me.arn);
  });

  test("MFA codes follow real time, not the virtual clock", async (t) => {
    const { sdk, emu, me, seed, client } = await startWorld(t);
    emu.clock.advance(3600);
    await client(me).send(
      new sdk.GetSessionTokenCommand({ SerialNumber: me.mfa.serial, TokenCode: codeOf(seed) }),
    );
  });
});
