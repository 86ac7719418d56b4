/**
 * Test helper: a separate process that opens a keystore of any kind (file, keychain, pass) and
 * writes to it. The job comes as JSON on stdin (never argv: values are secrets in spirit).
 * - `set`: stores `items` in order, then prints `done`;
 * - `loop`: stores `name` = `values[i % values.length]` forever, printing `<i>` after each, until killed.
 * The environment carries what the store needs (DBUS_SESSION_BUS_ADDRESS, PASSWORD_STORE_DIR, …).
 */
import { readFileSync } from "node:fs";
import { openStore, type StoreKind } from "./stores.js";

interface Job {
  kind: StoreKind;
  options: Record<string, string>;
  mode: "set" | "loop";
  items?: { name: string; value: string; expiresAt?: number }[];
  name?: string;
  values?: string[];
}

const job = JSON.parse(readFileSync(0, "utf8")) as Job;
const store = await openStore(job.kind, job.options);
if (job.mode === "set") {
  for (const item of job.items ?? []) {
    await store.set(
      item.name,
      item.value,
      item.expiresAt === undefined ? undefined : { expiresAt: item.expiresAt },
    );
  }
  process.stdout.write("done\n");
} else {
  const values = job.values ?? [];
  for (let i = 0; ; i++) {
    await store.set(job.name ?? "loop", values[i % values.length] ?? "");
    process.stdout.write(`${i}\n`);
  }
}
