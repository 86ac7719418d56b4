import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { isVswError } from "../src/core/errors.js";
import {
  CHEAP_KDF,
  cheapStore,
  diskDir,
  finished,
  PASSPHRASE,
  ramDir,
  removeTempDirs,
  spawnWriter,
} from "./helpers/keystore-testkit.js";

after(removeTempDirs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of a process that has exited (and was reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"]);
  await finished(child);
  return child.pid ?? 0;
}

describe("file keystore: concurrency", () => {
  test("20 writer processes racing on a fresh store leave 20 readable items under one salt", async () => {
    const dir = path.join(diskDir(), "store");
    const runtimeDir = ramDir();
    const writers = Array.from({ length: 20 }, (_, i) =>
      finished(
        spawnWriter({
          mode: "once",
          dir,
          passphrase: PASSPHRASE,
          kdfN: CHEAP_KDF.N,
          runtimeDir,
          items: [{ name: `keys/writer-${i}`, value: `secret-${i}` }],
        }),
      ),
    );
    const results = await Promise.all(writers);
    for (const result of results) assert.equal(result.code, 0);
    const metas = new Set(results.map((result) => (JSON.parse(result.out) as { meta: string }).meta));
    assert.equal(metas.size, 1, "every writer saw the same store.json");
    const store = cheapStore({ dir });
    assert.equal((await store.list()).length, 20);
    for (let i = 0; i < 20; i++) assert.equal(await store.get(`keys/writer-${i}`), `secret-${i}`);
    assert.deepEqual(
      fs.readdirSync(dir).filter((name) => !name.endsWith(".item")),
      ["store.json"],
    );
  });

  test("a writer killed with SIGKILL mid-write loses nothing it had stored and leaves the store usable", async () => {
    const dir = path.join(diskDir(), "store");
    const store = cheapStore({ dir });
    await store.set("keys/before", "stored-before");
    for (let round = 0; round < 4; round++) {
      const child = spawnWriter({ mode: "loop", dir, passphrase: PASSPHRASE, kdfN: CHEAP_KDF.N });
      const done = finished(child);
      let acked = -1;
      child.stdout?.on("data", (chunk: Buffer) => {
        const lines = chunk.toString("utf8").trim().split("\n");
        acked = Number(lines.at(-1));
      });
      while (acked < 3) await sleep(5);
      await sleep(Math.random() * 150);
      child.kill("SIGKILL");
      const result = await done;
      assert.equal(result.signal, "SIGKILL");
      const lastAcked = acked;

      assert.equal(await store.get("keys/before"), "stored-before");
      for (let i = 0; i <= lastAcked; i++) assert.equal(await store.get(`item-${i}`), `value-${i}`);
      const counter = Number(await store.get("counter"));
      assert.ok(counter >= lastAcked, `counter ${counter} went back before ${lastAcked}`);
      for (const item of await store.list()) assert.equal(typeof (await store.get(item.name)), "string");
      await store.set(`after-round-${round}`, "written after the kill");
    }
  });

  test("a lock left by a dead process is broken", async () => {
    const store = cheapStore();
    fs.mkdirSync(store.dir, { recursive: true });
    const lockFile = path.join(store.dir, "store.lock");
    const pid = await deadPid();
    fs.writeFileSync(lockFile, JSON.stringify({ pid, host: os.hostname(), token: "x", time: Date.now() }));
    await cheapStore({ dir: store.dir, lockTimeoutMs: 2_000 }).set("keys/prod", "secret");
    assert.equal(fs.existsSync(lockFile), false);
  });

  test("a lock whose heartbeat stopped long ago is broken even if its pid is alive", async () => {
    const store = cheapStore();
    fs.mkdirSync(store.dir, { recursive: true });
    const lockFile = path.join(store.dir, "store.lock");
    fs.writeFileSync(
      lockFile,
      JSON.stringify({ pid: process.pid, host: os.hostname(), token: "x", time: 0 }),
    );
    const longAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(lockFile, longAgo, longAgo);
    await cheapStore({ dir: store.dir, lockTimeoutMs: 2_000 }).set("keys/prod", "secret");
  });

  test("a lock held by a live process makes a write give up with VSW_KEYSTORE_LOCKED after the timeout", async () => {
    const store = cheapStore();
    await store.open();
    const lockFile = path.join(store.dir, "store.lock");
    fs.writeFileSync(
      lockFile,
      JSON.stringify({ pid: process.pid, host: os.hostname(), token: "x", time: Date.now() }),
    );
    const waiting = cheapStore({ dir: store.dir, lockTimeoutMs: 300 });
    const start = Date.now();
    const error = await waiting.set("keys/prod", "secret").catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_KEYSTORE_LOCKED"));
    assert.match(error.message, new RegExp(`process ${process.pid}`));
    assert.ok(Date.now() - start < 2_000);
    assert.equal(await store.get("keys/prod"), undefined);
  });
});
