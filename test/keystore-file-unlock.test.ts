import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { isVswError } from "../src/core/errors.js";
import { type FileStoreOptions, lockFileStore, openFileStore } from "../src/plugins/keystore/file.js";
import {
  CHEAP_KDF,
  diskDir,
  filesContaining,
  PASSPHRASE,
  ramDir,
  removeTempDirs,
  snapshot,
} from "./helpers/keystore-testkit.js";

after(removeTempDirs);

const code = (expected: string) => (error: unknown) => isVswError(error) && error.code === expected;

/** A store factory sharing one store dir and one runtime dir, counting scrypt runs. */
function setup(options: FileStoreOptions & { runtime?: string } = {}) {
  const dir = path.join(diskDir(), "store");
  const runtime = options.runtime ?? ramDir();
  let kdfRuns = 0;
  const open = (extra: FileStoreOptions = {}) =>
    openFileStore({
      dir,
      kdf: CHEAP_KDF,
      onKdf: () => {
        kdfRuns++;
      },
      ...options,
      ...extra,
      env: { XDG_RUNTIME_DIR: runtime, ...options.env, ...extra.env },
    });
  const records = () => {
    const cacheDir = path.join(runtime, "vsw");
    return fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((name) => name.endsWith(".key")) : [];
  };
  return { dir, runtime, open, records, kdfRuns: () => kdfRuns };
}

describe("file keystore: unlock cache", () => {
  test("with the default scrypt cost, a second open uses the cached key and is far faster", async (t) => {
    const s = setup({ kdf: undefined });
    const creating = s.open({ passphrase: PASSPHRASE });
    await creating.set("keys/prod", "secret");
    assert.equal(s.kdfRuns(), 1);
    assert.equal(creating.lock(), true);

    let start = performance.now();
    await s.open({ passphrase: PASSPHRASE }).open();
    const cold = performance.now() - start;
    assert.equal(s.kdfRuns(), 2);

    const warmTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      start = performance.now();
      await s.open().open();
      warmTimes.push(performance.now() - start);
    }
    warmTimes.sort((a, b) => a - b);
    const warm = warmTimes[10] ?? Number.NaN;
    t.diagnostic(`cold unlock ${cold.toFixed(1)} ms, warm open median ${warm.toFixed(3)} ms`);
    assert.equal(s.kdfRuns(), 2);
    assert.ok(warm * 50 < cold, `warm ${warm} ms is not far below cold ${cold} ms`);
    assert.equal(await s.open().get("keys/prod"), "secret");
  });

  test("a warm cache opens the store with no passphrase and no terminal", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).set("keys/prod", "secret");
    assert.equal(await s.open().get("keys/prod"), "secret");
    assert.equal(s.kdfRuns(), 1);
  });

  test("the right explicit passphrase is checked against the cache without scrypt", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    await s.open({ env: { VSW_FILE_PASSPHRASE: PASSPHRASE } }).open();
    assert.equal(s.kdfRuns(), 1);
  });

  test("a wrong explicit passphrase is still rejected with a warm cache, and the cache survives", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).set("keys/prod", "secret");
    const before = snapshot(s.dir);
    await assert.rejects(
      s.open({ passphrase: "wrong horse" }).get("keys/prod"),
      code("VSW_KEYSTORE_BAD_PASSPHRASE"),
    );
    assert.equal(s.kdfRuns(), 2, "the mismatch falls back to a full scrypt check");
    assert.deepEqual(snapshot(s.dir), before);
    assert.equal(await s.open().get("keys/prod"), "secret");
  });

  test("the runtime directory is 0700 and the record 0600, named by a hash and not the store path", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    const cacheDir = path.join(s.runtime, "vsw");
    assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
    const [record, ...rest] = s.records();
    assert.equal(rest.length, 0);
    assert.match(record ?? "", /^[0-9a-f]{64}\.key$/);
    assert.equal(fs.statSync(path.join(cacheDir, record ?? "")).mode & 0o777, 0o600);
  });

  test("a runtime directory on a persistent file system is not used", async () => {
    const notRam = diskDir("vsw-runtime-");
    const s = setup({ runtime: notRam });
    await s.open({ passphrase: PASSPHRASE }).open();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.kdfRuns(), 2);
    assert.deepEqual(fs.readdirSync(notRam), []);
  });

  test("a symlink in place of the runtime directory is not followed", async () => {
    const s = setup();
    const elsewhere = ramDir();
    fs.symlinkSync(elsewhere, path.join(s.runtime, "vsw"));
    await s.open({ passphrase: PASSPHRASE }).open();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.kdfRuns(), 2);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  test("a runtime directory readable by others is tightened before use", async () => {
    const s = setup();
    fs.mkdirSync(path.join(s.runtime, "vsw"), { mode: 0o755 });
    fs.chmodSync(path.join(s.runtime, "vsw"), 0o755);
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(fs.statSync(path.join(s.runtime, "vsw")).mode & 0o777, 0o700);
    assert.equal(s.records().length, 1);
  });

  test("an unlock TTL of 0 caches nothing", async () => {
    const s = setup({ env: { VSW_FILE_UNLOCK_TTL: "0" } });
    await s.open({ passphrase: PASSPHRASE }).open();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.kdfRuns(), 2);
    assert.deepEqual(s.records(), []);
  });

  test("an expired record is ignored and replaced", async () => {
    let now = 1_800_000_000_000;
    const s = setup({ now: () => now, env: { VSW_FILE_UNLOCK_TTL: "60" } });
    await s.open({ passphrase: PASSPHRASE }).open();
    now += 59_000;
    await s.open().open();
    assert.equal(s.kdfRuns(), 1);
    now += 2_000;
    await assert.rejects(s.open().open(), code("VSW_NO_TTY"));
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.kdfRuns(), 2);
    await s.open().open();
    assert.equal(s.kdfRuns(), 2);
  });

  test("an expired record is removed from the runtime directory when it is read", async () => {
    let now = 1_800_000_000_000;
    const s = setup({ now: () => now, env: { VSW_FILE_UNLOCK_TTL: "60" } });
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.records().length, 1);
    now += 61_000;
    await assert.rejects(s.open().open(), code("VSW_NO_TTY"));
    assert.deepEqual(s.records(), []);
  });

  test("VSW_FILE_UNLOCK_TTL=0 forgets a record written under a longer TTL", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.records().length, 1);
    await assert.rejects(s.open({ env: { VSW_FILE_UNLOCK_TTL: "0" } }).open(), code("VSW_NO_TTY"));
    assert.deepEqual(s.records(), []);
  });

  test("a lowered TTL shortens records written under a longer one", async () => {
    let now = 1_800_000_000_000;
    const s = setup({ now: () => now });
    await s.open({ passphrase: PASSPHRASE }).open();
    now += 120_000;
    await assert.rejects(s.open({ env: { VSW_FILE_UNLOCK_TTL: "60" } }).open(), code("VSW_NO_TTY"));
  });

  test("a record whose key does not open the store is ignored and replaced", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    const file = path.join(s.runtime, "vsw", s.records()[0] ?? "");
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...record, key: Buffer.alloc(32, 7).toString("base64") }));
    await assert.rejects(s.open().open(), code("VSW_NO_TTY"));
    await s.open({ passphrase: PASSPHRASE }).open();
    await s.open().open();
    assert.equal(s.kdfRuns(), 2);
  });

  test("a store recreated in the same directory does not meet the old cached key", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).set("keys/prod", "old");
    fs.rmSync(s.dir, { recursive: true });
    await s.open({ passphrase: "new passphrase" }).set("keys/prod", "new");
    await assert.rejects(s.open({ passphrase: PASSPHRASE }).open(), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    assert.equal(await s.open().get("keys/prod"), "new");
  });

  test("lock forgets the cached key, so the next open needs the passphrase again", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(lockFileStore({ dir: s.dir, env: { XDG_RUNTIME_DIR: s.runtime } }), true);
    assert.equal(s.open().lock(), false);
    assert.deepEqual(s.records(), []);
    await assert.rejects(s.open().open(), code("VSW_NO_TTY"));
  });

  test("lock forgets a cached key even while VSW_FILE_UNLOCK_TTL is 0", async () => {
    const s = setup();
    await s.open({ passphrase: PASSPHRASE }).open();
    assert.equal(s.open({ env: { VSW_FILE_UNLOCK_TTL: "0" } }).lock(), true);
    assert.deepEqual(s.records(), []);
  });

  test("neither the store nor the runtime directory holds the secret or the passphrase in plaintext", async () => {
    const s = setup();
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const store = s.open({ passphrase: PASSPHRASE });
    await store.set("keys/prod", secret, { expiresAt: Date.now() + 3_600_000 });
    await store.set("keys/dev", secret);
    assert.equal(await s.open().get("keys/prod"), secret);
    const dirs = [s.dir, s.runtime];
    for (const needle of [secret, PASSPHRASE, Buffer.from(secret).toString("base64")]) {
      assert.deepEqual(filesContaining(dirs, needle), []);
    }
  });
});
