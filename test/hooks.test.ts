/**
 * The core's hook table and `Vsw` object, without any plugin of vsw's own: what a team plugin
 * relies on.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isVswError, PluginError, VswError } from "../src/core/errors.js";
import { STAGE_CACHE, STAGE_DEFAULT, STAGE_INTERACTIVE } from "../src/core/hooks.js";
import { createVsw } from "../src/core/vsw.js";

const request = { profile: "prod", serial: "arn:aws:iam::111111111111:mfa/me", mfaProcess: null };

describe("hooks", () => {
  test("the hook table is frozen", () => {
    const vsw = createVsw({ env: {} });
    assert.ok(Object.isFrozen(vsw.hooks));
  });

  test("a series bail hook asks taps in stage order, not registration order, until one answers", async () => {
    const vsw = createVsw({ env: {} });
    const asked: string[] = [];
    vsw.hooks.mfaToken.tapPromise({ name: "prompt", stage: STAGE_INTERACTIVE }, async () => {
      asked.push("prompt");
      return "222222";
    });
    vsw.hooks.mfaToken.tapPromise({ name: "declines", stage: STAGE_CACHE }, async () => {
      asked.push("declines");
      return undefined;
    });
    vsw.hooks.mfaToken.tapPromise({ name: "answers", stage: STAGE_DEFAULT }, async () => {
      asked.push("answers");
      return "111111";
    });
    assert.equal(await vsw.hooks.mfaToken.promise(request), "111111");
    assert.deepEqual(asked, ["declines", "answers"]);
  });

  test("an error thrown in a promise tap names the plugin and the hook", async () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.mfaToken.tapPromise("team-mfa", async () => {
      throw new Error("device unplugged");
    });
    await assert.rejects(vsw.hooks.mfaToken.promise(request), (error: unknown) => {
      assert.ok(error instanceof PluginError);
      assert.equal(error.plugin, "team-mfa");
      assert.equal(error.hook, "mfaToken");
      assert.equal(error.code, "VSW_PLUGIN_ERROR");
      assert.match(error.message, /Plugin "team-mfa" failed in hook "mfaToken": device unplugged/);
      return true;
    });
  });

  test("an error thrown in a sync tap of a format is attributed to format.NAME", () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.format.for("csv").tap("format-csv", () => {
      throw new TypeError("bad column");
    });
    const hook = vsw.hooks.format.get("csv");
    assert.ok(hook);
    assert.throws(
      () =>
        hook.call({ profile: "p", region: null, credentials: { accessKeyId: "a", secretAccessKey: "s" } }),
      (error: unknown) =>
        error instanceof PluginError && error.hook === "format.csv" && error.plugin === "format-csv",
    );
  });

  test("an error thrown in a callback-style tap is attributed too", async () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.sessionCreated.tapAsync("events", (_event, callback) => callback(new Error("disk full")));
    await assert.rejects(
      vsw.hooks.sessionCreated.promise({
        step: { type: "keys", profile: "p", stored: true },
        keystore: undefined as never,
        credentials: { accessKeyId: "a", secretAccessKey: "s" },
      }),
      (error: unknown) =>
        error instanceof PluginError && error.plugin === "events" && error.hook === "sessionCreated",
    );
  });

  test("a VswError from a plugin keeps its own code and gains its origin", async () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.mfaToken.tapPromise("yubikey", async () => {
      throw new VswError("VSW_MFA_FAILED", "No YubiKey detected.");
    });
    await assert.rejects(vsw.hooks.mfaToken.promise(request), (error: unknown) => {
      assert.ok(isVswError(error, "VSW_MFA_FAILED"));
      assert.deepEqual(error.origin, { plugin: "yubikey", hook: "mfaToken" });
      return true;
    });
  });

  test("the format HookMap knows the names plugins registered", () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.format.for("json").tap("a", () => "{}");
    vsw.hooks.format.for("csv").tap("b", () => "");
    assert.deepEqual(vsw.hooks.format.names(), ["csv", "json"]);
    assert.equal(vsw.hooks.format.get("yaml"), undefined);
  });

  test("--debug traces hook and tap names, never arguments", async () => {
    const lines: string[] = [];
    const vsw = createVsw({ env: {}, debug: (line) => lines.push(line) });
    vsw.hooks.mfaToken.tapPromise("mfa-flag", async () => "123456");
    await vsw.hooks.mfaToken.promise({ ...request, serial: "arn:aws:iam::111111111111:mfa/secret-name" });
    assert.deepEqual(lines, ["mfaToken → mfa-flag"]);
  });
});

describe("the Vsw object", () => {
  test("an unknown keystore is VSW_KEYSTORE_UNKNOWN naming the keystores that exist", () => {
    const vsw = createVsw({ env: { VSW_KEYSTORE: "vault" } });
    vsw.use({ name: "keystore-file", apply: (v) => v.hooks.keystore.tap("keystore-file", () => undefined) });
    assert.throws(
      () => vsw.keystore(),
      (error: unknown) =>
        isVswError(error, "VSW_KEYSTORE_UNKNOWN") &&
        /"vault"/.test(error.message) &&
        /"file"/.test(error.hint ?? "") &&
        !/keystore-file/.test(error.hint ?? ""),
    );
  });

  test("use applies plugins in order and records their names", () => {
    const vsw = createVsw({ env: {} });
    const order: string[] = [];
    vsw
      .use({ name: "one", apply: () => order.push("one") })
      .use({ name: "two", apply: () => order.push("two") });
    assert.deepEqual(order, ["one", "two"]);
    assert.deepEqual(vsw.plugins, ["one", "two"]);
  });
});
