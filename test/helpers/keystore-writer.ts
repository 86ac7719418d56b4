/**
 * Test helper: a separate process that uses the `file` keystore. The job comes as JSON on stdin
 * (never argv: it carries the passphrase and secret values). Modes:
 * - `once`: stores `items`, then prints `{"meta": sha256 of store.json}`;
 * - `loop`: stores `item-<i>` = `value-<i>` and `counter` = `<i>` for i = 0, 1, …, printing `<i>` after
 *   each completed pair, until killed;
 * - `lock`: holds the core's named lock `lockName` (lock files in `dir`) for `holdMs`, then prints
 *   `{"start", "end"}` (epoch ms).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { namedLocks } from "../../src/core/lock.js";
import { openFileStore } from "../../src/plugins/keystore/file.js";

interface Job {
  mode: "once" | "loop" | "lock";
  dir: string;
  passphrase: string;
  kdfN?: number;
  runtimeDir?: string;
  items?: { name: string; value: string }[];
  lockName?: string;
  holdMs?: number;
}

const job = JSON.parse(readFileSync(0, "utf8")) as Job;
const env = job.runtimeDir ? { XDG_RUNTIME_DIR: job.runtimeDir } : {};
const store = openFileStore({
  dir: job.dir,
  env,
  passphrase: job.passphrase,
  kdf: job.kdfN ? { N: job.kdfN } : {},
  unlockTtlSeconds: job.runtimeDir ? 3600 : 0,
  lockTimeoutMs: 30_000,
});

if (job.mode === "once") {
  for (const item of job.items ?? []) await store.set(item.name, item.value);
  const meta = readFileSync(path.join(job.dir, "store.json"));
  process.stdout.write(`${JSON.stringify({ meta: createHash("sha256").update(meta).digest("hex") })}\n`);
} else if (job.mode === "loop") {
  for (let i = 0; ; i++) {
    await store.set(`item-${i}`, `value-${i}`);
    await store.set("counter", String(i));
    process.stdout.write(`${i}\n`);
  }
} else {
  const holdMs = job.holdMs ?? 100;
  const lock = namedLocks(() => job.dir);
  const span = await lock(job.lockName ?? "mfa", async () => {
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    return { start, end: Date.now() };
  });
  process.stdout.write(`${JSON.stringify(span)}\n`);
}
