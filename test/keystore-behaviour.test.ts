/**
 * One behaviour suite, run against every built-in keystore on the real thing: the encrypted file
 * store, the keychain on a private gnome-keyring, and `pass` with a throwaway GPG key. Add, read,
 * list, remove; sessions with expiry listed without a value and purged when a session is minted;
 * unicode and long values; concurrent writers in separate processes; a writer killed with SIGKILL
 * mid-write; and no secret in plain text anywhere under the store's dirs or /tmp afterwards.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Keystore, PlanStep } from "../src/core/types.js";
import { createVsw } from "../src/core/vsw.js";
import { keystoreCache } from "../src/plugins/cache/keystore-cache.js";
import { ROOT, requireTool } from "./helpers/harness.js";
import { filesContaining } from "./helpers/plaintext.js";
import { requireSecretService } from "./helpers/secret-service.js";
import { openStore, type StoreKind, type StoreWorld, startStore } from "./helpers/stores.js";

const CHILD = join(ROOT, "test", "helpers", "store-child.ts");
/** A marker in every secret value of this run: the plaintext search looks for it. */
const MARKER = `vswsecret${randomBytes(9).toString("hex")}`;
const secret = (label: string) => `${MARKER}-${label}`;

function child(world: StoreWorld, job: object) {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...world.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  proc.stdin.end(JSON.stringify({ kind: world.kind, options: world.options, ...job }));
  let out = "";
  let err = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, out, err })),
  );
  return { proc, done, output: () => out };
}

const kinds: StoreKind[] = ["file", "keychain", "pass"];

for (const kind of kinds) {
  describe(`${kind} keystore: shared behaviour`, () => {
    let world: StoreWorld | undefined;
    let store: Keystore;
    before(async (t) => {
      if (kind === "keychain" && !requireSecretService(t as never)) return;
      if (kind === "pass" && !(requireTool(t as never, "pass") && requireTool(t as never, "gpg"))) return;
      world = await startStore(kind);
      store = await openStore(kind, world.options);
    });
    after(async () => {
      await world?.close();
    });

    test("add, read, list and remove", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      await store.open();
      await store.set("keys/base", secret("base"));
      await store.set("keys/dev", secret("dev"));
      assert.equal(await store.get("keys/base"), secret("base"));
      assert.equal(await store.get("keys/missing"), undefined);
      assert.deepEqual(
        (await store.list("keys/")).map((i) => i.name),
        ["keys/base", "keys/dev"],
      );
      await store.set("keys/base", secret("base-2"));
      assert.equal(await store.get("keys/base"), secret("base-2"));
      assert.equal(await store.delete("keys/base"), true);
      assert.equal(await store.delete("keys/base"), false);
      assert.equal(await store.get("keys/base"), undefined);
      assert.deepEqual(
        (await store.list("keys/")).map((i) => i.name),
        ["keys/dev"],
      );
      await store.delete("keys/dev");
    });

    test("sessions: expiry listed without a value, replaced on overwrite, expired ones purged on a mint", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      const now = 1_800_000_000_000;
      await store.set("session/sts/old/-", secret("old"), { expiresAt: now - 1000 });
      await store.set("session/sts/live/-", secret("live"), { expiresAt: now + 3_600_000 });
      await store.set("keys/kept", secret("kept"));
      assert.deepEqual(await store.list("session/"), [
        { name: "session/sts/live/-", expiresAt: now + 3_600_000 },
        { name: "session/sts/old/-", expiresAt: now - 1000 },
      ]);
      await store.set("session/sts/live/-", secret("live-2"), { expiresAt: now + 7_200_000 });
      assert.deepEqual(await store.list("session/sts/live/"), [
        { name: "session/sts/live/-", expiresAt: now + 7_200_000 },
      ]);
      // A mint (the sessionCreated event) stores the new session and drops the expired ones.
      const vsw = createVsw({ env: {}, now: () => now });
      vsw.use(keystoreCache());
      const step = {
        type: "sts",
        profile: "fresh",
        mfaSerial: null,
        durationSeconds: 3600,
      } as unknown as PlanStep;
      await vsw.hooks.sessionCreated.promise({
        step,
        keystore: store,
        credentials: {
          accessKeyId: "ASIAFRESH",
          secretAccessKey: secret("fresh-secret"),
          sessionToken: secret("fresh-token"),
          expiration: now + 3_600_000,
        },
      });
      const names = (await store.list()).map((i) => i.name);
      assert.ok(!names.includes("session/sts/old/-"), "the expired session was purged");
      assert.ok(names.includes("session/sts/live/-"));
      assert.ok(names.includes("keys/kept"));
      assert.ok(names.some((n) => n.startsWith("session/sts/fresh/")));
      for (const name of names) await store.delete(name);
      assert.deepEqual(await store.list(), []);
    });

    test("unicode names, unicode and long values round-trip exactly", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      const cases: Array<[string, string]> = [
        ["keys/ünïcödé prøfile", secret("ünï ✓ 🔑")],
        ["keys/a b%2Fc@d", `${secret("lines")}\nsecond line\n\ttabbed\n`],
        ["session/AssumeRole/prod/arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fme", secret("x").padEnd(64 * 1024, "y")],
        ["keys/trailing", `${secret("trailing")}\n\n`],
        ["keys/leading", `\n ${secret("leading")}`],
      ];
      for (const [name, value] of cases) await store.set(name, value);
      for (const [name, value] of cases) assert.equal(await store.get(name), value, name);
      const listed = (await store.list()).map((i) => i.name);
      for (const [name] of cases) assert.ok(listed.includes(name), `${name} listed`);
      for (const [name] of cases) assert.equal(await store.delete(name), true);
    });

    test("concurrent writers in separate processes: every item lands, one value of a shared item wins intact", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      const writers = [0, 1, 2, 3].map((w) =>
        child(world as StoreWorld, {
          mode: "set",
          items: [
            ...[0, 1, 2].map((i) => ({ name: `keys/w${w}-${i}`, value: secret(`w${w}-${i}`) })),
            { name: "keys/shared", value: secret(`shared-${w}`) },
          ],
        }),
      );
      const results = await Promise.all(writers.map((w) => w.done));
      for (const result of results) assert.equal(result.code, 0, result.err);
      for (const w of [0, 1, 2, 3]) {
        for (const i of [0, 1, 2]) assert.equal(await store.get(`keys/w${w}-${i}`), secret(`w${w}-${i}`));
      }
      const shared = await store.get("keys/shared");
      assert.ok(
        [0, 1, 2, 3].some((w) => shared === secret(`shared-${w}`)),
        "the shared item is one writer's value",
      );
      for (const item of await store.list()) await store.delete(item.name);
    });

    test("a writer killed with SIGKILL mid-write leaves the item whole (old or new) and the others untouched", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      await store.set("keys/bystander", secret("bystander"));
      const values = [secret("A").padEnd(32 * 1024, "a"), secret("B").padEnd(32 * 1024, "b")];
      for (let round = 0; round < 3; round++) {
        const writer = child(world, { mode: "loop", name: "keys/victim", values });
        // Let it complete a few writes, then kill it at a random moment of the next ones.
        while (writer.output().split("\n").length < 3 && writer.proc.exitCode === null) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 150));
        writer.proc.kill("SIGKILL");
        const result = await writer.done;
        assert.equal(result.signal, "SIGKILL", result.err);
        const victim = await store.get("keys/victim");
        assert.ok(victim === values[0] || victim === values[1], `round ${round}: the item is whole`);
        assert.equal(await store.get("keys/bystander"), secret("bystander"));
        assert.equal((await store.list("keys/victim")).length, 1);
      }
      for (const item of await store.list()) await store.delete(item.name);
    });

    test("no secret in plain text under the store's dirs or /tmp", async (t) => {
      if (!world) return t.skip(`no ${kind} here`);
      const found = [...world.dataDirs, "/tmp", "/dev/shm"].flatMap((dir) => filesContaining(dir, MARKER));
      assert.deepEqual(found, []);
    });
  });
}
