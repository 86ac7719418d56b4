/**
 * The keystore contract the core offers every keystore plugin: named inter-process locks
 * (`vsw.lock`), keystore calls traced by `--debug` and attributed to their plugin, and the
 * built-in file keystore using no lock of its own for the mint.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { isVswError, VswError } from "../src/core/errors.js";
import { lockDir } from "../src/core/lock.js";
import type { Keystore } from "../src/core/types.js";
import { createVsw, type VswPlugin } from "../src/core/vsw.js";
import { makeHome, runVsw } from "./helpers/harness.js";
import { diskDir, finished, PASSPHRASE, removeTempDirs, spawnWriter } from "./helpers/keystore-testkit.js";
import { memoryKeystore } from "./helpers/memory-keystore.js";

after(removeTempDirs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-memory keystore whose `get` fails the way `fail` says. */
function failingKeystore(fail?: () => never): Keystore {
  const store = memoryKeystore();
  if (fail) store.watch(() => fail());
  return store.keystore;
}

function keystorePlugin(name: string, keystore: Keystore): VswPlugin {
  return {
    name,
    apply(vsw) {
      vsw.hooks.keystore.tap(name, (request) => (request.name === "memory" ? keystore : undefined));
    },
  };
}

describe("core named locks (vsw.lock)", () => {
  test("holders in different processes never overlap", async () => {
    const dir = path.join(diskDir(), "locks");
    const runs = Array.from({ length: 4 }, () =>
      finished(
        spawnWriter({
          mode: "lock",
          dir,
          passphrase: PASSPHRASE,
          lockName: "mint/file/sts/prod",
          holdMs: 150,
        }),
      ),
    );
    const spans = (await Promise.all(runs))
      .map((result) => JSON.parse(result.out) as { start: number; end: number })
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) {
      assert.ok((spans[i]?.start ?? 0) >= (spans[i - 1]?.end ?? 0), "two holders overlapped");
    }
  });

  test("holders within one process never overlap", async () => {
    const vsw = createVsw({ env: { VSW_LOCK_DIR: path.join(diskDir(), "locks") } });
    let active = 0;
    let maxActive = 0;
    const hold = () =>
      vsw.lock("mfa/arn:aws:iam::1:mfa/me", async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(20);
        active--;
      });
    await Promise.all([hold(), hold(), hold()]);
    assert.equal(maxActive, 1);
  });

  test("a lock held elsewhere makes a waiter give up with VSW_KEYSTORE_LOCKED, and it is free after release", async () => {
    const vsw = createVsw({ env: { VSW_LOCK_DIR: path.join(diskDir(), "locks") } });
    let release = () => {};
    const holding = vsw.lock("mfa", () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    await assert.rejects(
      vsw.lock("mfa", async () => "never", { timeoutMs: 200 }),
      (error: unknown) => isVswError(error, "VSW_KEYSTORE_LOCKED"),
    );
    release();
    await holding;
    assert.equal(await vsw.lock("mfa", async () => "now"), "now");
  });

  test("lock files live under the HOME's state directory, one per name, names of any length", async () => {
    const home = diskDir();
    const dir = lockDir({ HOME: home });
    assert.equal(dir, path.join(home, ".local", "state", "vsw", "locks"));
    const vsw = createVsw({ env: { HOME: home } });
    const long = "x/".repeat(300);
    const seen = await vsw.lock(long, async () => fs.readdirSync(dir));
    assert.equal(seen.length, 1);
    assert.ok((seen[0] ?? "").length < 100);
    assert.equal((fs.statSync(dir).mode & 0o777).toString(8), "700");
  });

  test("an empty lock name is VSW_USAGE", () => {
    const vsw = createVsw({ env: { VSW_LOCK_DIR: diskDir() } });
    assert.throws(
      () => vsw.lock("", async () => 1),
      (error: unknown) => isVswError(error, "VSW_USAGE"),
    );
  });
});

describe("keystore calls are traced and attributed", () => {
  test("--debug traces each keystore call with its plugin, and no item name", async () => {
    const lines: string[] = [];
    const vsw = createVsw({ env: {}, keystore: "memory", debug: (line) => lines.push(line) });
    vsw.use(keystorePlugin("keystore-memory", failingKeystore()));
    await vsw.keystore().set("keys/prod", "value");
    await vsw.keystore().get("keys/prod");
    await vsw.keystore().list("keys/");
    const traced = lines.filter((line) => line.startsWith("keystore."));
    assert.deepEqual(traced, [
      "keystore.set → keystore-memory",
      "keystore.get → keystore-memory",
      "keystore.list → keystore-memory",
    ]);
    assert.ok(!lines.some((line) => line.includes("prod") || line.includes("value")));
  });

  test("a plain error thrown by a keystore is VSW_PLUGIN_ERROR naming the plugin and the method", async () => {
    const vsw = createVsw({ env: {}, keystore: "memory" });
    const boom = new Error("backend fell over");
    vsw.use(
      keystorePlugin(
        "keystore-flaky",
        failingKeystore(() => {
          throw boom;
        }),
      ),
    );
    const error = await vsw
      .keystore()
      .get("keys/prod")
      .catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_PLUGIN_ERROR"));
    assert.match(error.message, /Plugin "keystore-flaky" failed in hook "keystore\.get": backend fell over/);
    assert.equal(error.cause, boom);
  });

  test("a keystore's own VswError keeps its code and message and gains its origin", async () => {
    const vsw = createVsw({ env: {}, keystore: "memory" });
    vsw.use(
      keystorePlugin(
        "keystore-vault",
        failingKeystore(() => {
          throw new VswError("VSW_KEYSTORE_UNAVAILABLE", "The vault is sealed.");
        }),
      ),
    );
    const error = await vsw
      .keystore()
      .get("keys/prod")
      .catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_KEYSTORE_UNAVAILABLE"));
    assert.equal(error.message, "The vault is sealed.");
    assert.deepEqual(error.origin, { plugin: "keystore-vault", hook: "keystore.get" });
  });

  test("a backend's own properties read through the wrapper", () => {
    const vsw = createVsw({ env: {}, keystore: "memory" });
    const store = Object.assign(failingKeystore(), { dir: "/somewhere" });
    vsw.use(keystorePlugin("keystore-memory", store));
    assert.equal((vsw.keystore() as Keystore & { dir: string }).dir, "/somewhere");
  });

  test("vsw list --debug names the built-in file keystore's calls", async (t) => {
    const home = makeHome();
    t.after(() => home.cleanup());
    const result = await runVsw(["list", "--debug"], { env: home.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /keystore\.list → keystore-file/);
  });
});
