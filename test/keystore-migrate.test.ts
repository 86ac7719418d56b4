/**
 * `vsw keystore list` and `vsw keystore migrate` through the built CLI, on the real stores: the
 * file store in a temp HOME, gnome-keyring on a private D-Bus, `pass` on a throwaway GPG key.
 * Items are seeded and checked in-process with the stores' own code; the CLI does the listing and
 * the moving. Migration is killed (SIGKILL) mid-run between every pair of stores and rerun: no item
 * is ever lost, and afterwards each one is in exactly one place, with its value unchanged.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Keystore } from "../src/core/types.js";
import { openFileStore } from "../src/plugins/keystore/file.js";
import { openKeychainStore } from "../src/plugins/keystore/keychain.js";
import { openPassStore } from "../src/plugins/keystore/pass.js";
import {
  addBaseKeys,
  type Home,
  makeHome,
  requireTool,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";
import { type PassWorld, startPassWorld } from "./helpers/pass-world.js";
import {
  requireSecretService,
  type SecretServiceWorld,
  startSecretService,
} from "./helpers/secret-service.js";

type Kind = "file" | "keychain" | "pass";
const KINDS: Kind[] = ["file", "keychain", "pass"];
const PAIRS: Array<[Kind, Kind]> = KINDS.flatMap((a) =>
  KINDS.filter((b) => b !== a).map((b): [Kind, Kind] => [a, b]),
);
const HOUR = 3600_000;

let world: World;
let secrets: SecretServiceWorld | undefined;
let hasPass = false;
/** A user without MFA, and its profile: sessions minted without a code. */
let plain: { accessKeyId: string; secretAccessKey: string };
let config: string;

/** A temp HOME that reaches the private keyring and a fresh pass store; the stores opened in-process. */
interface Place {
  home: Home;
  env: NodeJS.ProcessEnv;
  pass: PassWorld | undefined;
  store(kind: Kind): Keystore;
  close(): Promise<void>;
}

async function place(options: { dbus?: boolean; defaultChoice?: boolean } = {}): Promise<Place> {
  const pass = hasPass ? await startPassWorld() : undefined;
  const home = makeHome({
    ...(options.dbus !== false && secrets ? { DBUS_SESSION_BUS_ADDRESS: secrets.address } : {}),
    ...(pass ? { GNUPGHOME: pass.gnupgHome, PASSWORD_STORE_DIR: pass.storeDir } : {}),
  });
  if (options.defaultChoice) delete home.env.VSW_KEYSTORE;
  home.writeConfig(config);
  const opened = new Map<Kind, Keystore>();
  const store = (kind: Kind): Keystore => {
    let found = opened.get(kind);
    if (!found) {
      const env = home.env as Record<string, string | undefined>;
      // A cheap scrypt cost for a store the test makes (the CLI then uses the store's own cost).
      if (kind === "file") found = openFileStore({ env, kdf: { N: 2 ** 14 }, unlockTtlSeconds: 0 });
      else if (kind === "keychain") found = openKeychainStore({ env });
      else found = openPassStore({ env });
      opened.set(kind, found);
    }
    return found;
  };
  return {
    home,
    env: home.env,
    pass,
    store,
    async close() {
      // The keyring is shared by the tests: empty vsw's services again.
      if (secrets && options.dbus !== false) {
        const keychain = store("keychain");
        for (const item of await keychain.list().catch(() => [])) await keychain.delete(item.name);
      }
      home.cleanup();
      await pass?.close();
    },
  };
}

/** Whether the test can run on `kinds` (skips it, or fails under CI=true, when a tool is missing). */
function available(t: { skip(reason: string): void }, kinds: readonly Kind[]): boolean {
  if (kinds.includes("keychain") && !secrets) {
    t.skip("no Secret Service here");
    return false;
  }
  if (kinds.includes("pass") && !hasPass) {
    t.skip("pass or gpg is missing here");
    return false;
  }
  return true;
}

/** Items of every shape: keys and sessions, unicode and odd names, long values, an expiry each session. */
function seedItems(count: number, now = Date.now()): Map<string, { value: string; expiresAt?: number }> {
  const items = new Map<string, { value: string; expiresAt?: number }>();
  const names = ["base", "prod ü", "a/b@c%d", "日本", "sp ace", "x".repeat(60)];
  for (let i = 0; items.size < count; i++) {
    const profile = `${names[i % names.length]}-${i}`;
    const secret = randomBytes(30).toString("base64");
    if (i % 3 === 2) {
      items.set(`session/role/${encodeURIComponent(profile)}/-`, {
        value: JSON.stringify({ token: secret, pad: "ü".repeat(i * 40) }),
        expiresAt: now + HOUR + i * 1000,
      });
    } else {
      items.set(`keys/${profile}`, { value: JSON.stringify({ secretAccessKey: secret, note: "€ ✓" }) });
    }
  }
  return items;
}

async function seed(
  store: Keystore,
  items: Map<string, { value: string; expiresAt?: number }>,
): Promise<void> {
  for (const [name, { value, expiresAt }] of items) {
    await store.set(name, value, expiresAt === undefined ? {} : { expiresAt });
  }
}

/**
 * No item lost: each seeded item is in `a`, in `b` or in both, with its own value; returns how many
 * are in both.
 */
async function assertNoneLost(
  a: Keystore,
  b: Keystore,
  items: Map<string, { value: string }>,
): Promise<{ inBoth: number; inB: number }> {
  let inBoth = 0;
  let inB = 0;
  for (const [name, { value }] of items) {
    const [inA, inTarget] = [await a.get(name), await b.get(name)];
    assert.ok(inA !== undefined || inTarget !== undefined, `item ${name} is in neither store`);
    if (inA !== undefined) assert.equal(inA, value, `${name} changed in the source`);
    if (inTarget !== undefined) assert.equal(inTarget, value, `${name} changed in the target`);
    if (inA !== undefined && inTarget !== undefined) inBoth++;
    if (inTarget !== undefined) inB++;
  }
  return { inBoth, inB };
}

/** Every seeded item in `b` with its value and expiry, none left in `a`. */
async function assertAllMoved(
  a: Keystore,
  b: Keystore,
  items: Map<string, { value: string; expiresAt?: number }>,
) {
  assert.deepEqual(await a.list(), [], "the source holds nothing after the migration");
  const listed = new Map((await b.list()).map((item) => [item.name, item]));
  assert.deepEqual([...listed.keys()].sort(), [...items.keys()].sort());
  for (const [name, { value, expiresAt }] of items) {
    assert.equal(await b.get(name), value, `value of ${name}`);
    assert.equal(listed.get(name)?.expiresAt, expiresAt, `expiry of ${name}`);
  }
}

/** Runs `vsw keystore migrate`, killing it with SIGKILL `delayMs` after its `afterLines`-th stdout line. */
function migrateAndKill(
  env: NodeJS.ProcessEnv,
  args: string[],
  afterLines: number,
  delayMs: number,
): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VSW, "keystore", "migrate", ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!killed && stdout.split("\n").length - 1 >= afterLines) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ killed: signal === "SIGKILL", stdout }));
  });
}

function assertNoSecrets(output: string, items: Map<string, { value: string }>): void {
  for (const { value } of items.values()) assert.ok(!output.includes(value), "a value reached the output");
}

before(async (t) => {
  world = await startWorld();
  plain = world.emu.createUser({ account: "444444444444", name: "plain" });
  config = `${world.config}\n[profile plain]\nregion = eu-west-1\nendpoint_url = ${world.emu.url}\n`;
  if (requireSecretService(t as never)) {
    secrets = await startSecretService();
    // @napi-rs/keyring (the in-process keychain store) reads the bus address of this process.
    process.env.DBUS_SESSION_BUS_ADDRESS = secrets.address;
  }
  hasPass = !!requireTool(t as never, "pass") && !!requireTool(t as never, "gpg");
});

after(async () => {
  await secrets?.close();
  await world?.emu.close();
});

describe("vsw keystore list", () => {
  test("without D-Bus: the keychain is not usable and says why, the file store is the default, chosen automatically", async () => {
    const p = await place({ dbus: false, defaultChoice: true });
    try {
      const r = await runVsw(["keystore", "list"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^ {2}keychain +OS keychain\n +usable +no: .*no D-Bus session bus.*\(VSW_KEYCHAIN_NO_DBUS\)\n +hint +Run vsw in a desktop session/m,
      );
      assert.match(r.stdout, /^\* file +encrypted file store\n +usable +yes/m);
      assert.match(
        r.stdout,
        /vsw uses the file keystore here, chosen automatically: the keychain keystore cannot be used here\./,
      );
    } finally {
      await p.close();
    }
  });

  test("with a Secret Service the keychain is the default and each usable store counts its items", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place({ defaultChoice: true });
    try {
      await p.store("keychain").set("keys/one", "v1");
      await p.store("keychain").set("session/role/one/-", "v2", { expiresAt: Date.now() + HOUR });
      await p.store("keychain").set("session/role/two/-", "v3", { expiresAt: Date.now() - HOUR });
      const r = await runVsw(["keystore", "list"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^\* keychain +OS keychain\n +usable +yes: .*\n +items +keys of 1 profile, 1 session, 1 expired session\n/m,
      );
      assert.match(r.stdout, /^ {2}file +encrypted file store\n +usable +yes: in .*\n +items +none\n/m);
      assert.match(r.stdout, /chosen automatically \(the first choice where it works/);
      if (hasPass) assert.match(r.stdout, /^ {2}pass +.*\n +usable +yes/m);
      assert.ok(!r.stdout.includes("v1") && !r.stdout.includes("v2"));
    } finally {
      await p.close();
    }
  });

  test("a keystore named by --keystore or VSW_KEYSTORE is marked and said to be named", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place({ defaultChoice: true });
    try {
      const flag = await runVsw(["--keystore", "file", "keystore", "list"], { env: p.env });
      assert.equal(flag.code, 0, flag.stderr);
      assert.match(flag.stdout, /^\* file/m);
      assert.match(flag.stdout, /vsw uses the file keystore here, named by --keystore\./);
      const variable = await runVsw(["keystore", "list"], { env: { ...p.env, VSW_KEYSTORE: "file" } });
      assert.match(variable.stdout, /named by VSW_KEYSTORE\./);
      const unknown = await runVsw(["keystore", "list", "--json"], {
        env: { ...p.env, VSW_KEYSTORE: "nope" },
      });
      assert.equal(unknown.code, 0, unknown.stderr);
      assert.deepEqual(JSON.parse(unknown.stdout).default, {
        name: "nope",
        how: "VSW_KEYSTORE",
        known: false,
        notice: null,
      });
      assert.match(unknown.stderr, /"nope", is not known/);
    } finally {
      await p.close();
    }
  });

  test("a file store holding items stays the default, and the list says how to migrate", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place({ defaultChoice: true });
    try {
      await p.store("file").set("keys/base", "value");
      const r = await runVsw(["keystore", "list"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\* file/m);
      assert.match(
        r.stdout,
        /as it holds your items; `vsw keystore migrate --from file --to keychain` moves them/,
      );
    } finally {
      await p.close();
    }
  });

  test("a keyring locked since the daemon started: its items are unknown and why, the command still succeeds", async (t) => {
    if (!available(t, ["keychain"])) return;
    const s = secrets as SecretServiceWorld;
    const p = await place({ defaultChoice: true });
    try {
      await p.store("keychain").set("keys/locked", "value");
      await s.stopDaemon();
      await s.startDaemon(false);
      const r = await runVsw(["keystore", "list", "--json"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      const keychain = JSON.parse(r.stdout).keystores.find((k: { name: string }) => k.name === "keychain");
      assert.equal(keychain.usable, true);
      assert.match(keychain.reason, /locked/);
      assert.equal(keychain.items, null);
      assert.equal(keychain.itemsError.code, "VSW_KEYCHAIN_LOCKED");
      const text = await runVsw(["keystore", "list"], { env: p.env });
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stdout,
        /items +unknown: The keychain is locked, and vsw does not unlock it just to list names \(VSW_KEYCHAIN_LOCKED\)/,
      );
    } finally {
      await s.stopDaemon();
      await s.startDaemon(true);
      await p.close();
    }
  });

  test("--json: one object a keystore, every row with the same keys, no value", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place({ defaultChoice: true });
    try {
      await p.store("file").set("keys/base", "secret-value-1");
      const r = await runVsw(["keystore", "list", "--json"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes("secret-value-1"));
      const parsed = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(parsed), ["default", "keystores"]);
      assert.deepEqual(parsed.default, {
        name: "file",
        how: "automatic",
        known: true,
        notice: parsed.default.notice,
      });
      assert.match(parsed.default.notice, /holds your items/);
      const keys = [
        "name",
        "description",
        "defaultRank",
        "default",
        "usable",
        "reason",
        "hint",
        "code",
        "items",
        "itemsError",
      ];
      for (const row of parsed.keystores) assert.deepEqual(Object.keys(row), keys);
      assert.deepEqual(
        parsed.keystores.map((k: { name: string; default: boolean }) => [k.name, k.default]),
        [
          ["keychain", false],
          ["file", true],
          ["pass", false],
        ],
      );
      const file = parsed.keystores[1];
      assert.deepEqual(file.items, { keys: 1, sessions: 0, expiredSessions: 0, other: 0 });
    } finally {
      await p.close();
    }
  });

  test("list takes no migrate flags, and the action is required", async () => {
    const p = await place({ dbus: false });
    try {
      const flags = await runVsw(["keystore", "list", "--from", "file"], { env: p.env });
      assert.equal(flags.code, 2);
      assert.match(flags.stderr, /vsw keystore list takes no --from\. \(VSW_USAGE\)/);
      const none = await runVsw(["keystore"], { env: p.env });
      assert.equal(none.code, 2);
    } finally {
      await p.close();
    }
  });
});

describe("vsw keystore migrate", () => {
  for (const [from, to] of PAIRS) {
    test(`${from} → ${to}: every item copied, read back, then removed from ${from}; names reported, never values`, async (t) => {
      if (!available(t, [from, to])) return;
      const p = await place();
      try {
        const items = seedItems(9);
        await seed(p.store(from), items);
        const r = await runVsw(["keystore", "migrate", "--from", from, "--to", to], { env: p.env });
        assert.equal(r.code, 0, r.stderr);
        await assertAllMoved(p.store(from), p.store(to), items);
        const lines = r.stdout.trimEnd().split("\n");
        assert.equal(lines.filter((l) => l.startsWith("moved ")).length, 9);
        assert.match(r.stdout, /^moved keys\/prod ü-1$/m);
        assert.equal(lines.at(-1), `Moved 9 items from ${from} to ${to}.`);
        assertNoSecrets(r.stdout + r.stderr, items);
      } finally {
        await p.close();
      }
    });
  }

  for (const [from, to] of PAIRS) {
    test(`${from} → ${to} killed with SIGKILL mid-run, twice: no item lost; a rerun leaves each in exactly one place`, async (t) => {
      if (!available(t, [from, to])) return;
      const p = await place();
      try {
        const items = seedItems(30);
        await seed(p.store(from), items);
        const args = ["--from", from, "--to", to];
        let kills = 0;
        for (const [afterLines, delayMs] of [
          [3, Math.floor(Math.random() * 15)],
          [4, Math.floor(Math.random() * 15)],
        ] as const) {
          const run = await migrateAndKill(p.env, args, afterLines, delayMs);
          if (run.killed) kills++;
          await assertNoneLost(p.store(from), p.store(to), items);
        }
        assert.ok(kills > 0, "at least one run was killed before it finished");
        const rerun = await runVsw(["keystore", "migrate", ...args], { env: p.env });
        assert.equal(rerun.code, 0, rerun.stderr);
        assert.match(rerun.stdout, new RegExp(`^Moved \\d+ items? from ${from} to ${to}`, "m"));
        await assertAllMoved(p.store(from), p.store(to), items);
      } finally {
        await p.close();
      }
    });
  }

  test("killed between writing an item to the target and deleting it from the source: it is in both, and the rerun finishes", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place();
    try {
      const items = seedItems(6);
      await seed(p.store("file"), items);
      // The test knob waits 400 ms after each write to the target: a kill 150 ms after the second
      // item's line lands while the third item is in both stores.
      const env = { ...p.env, VSW_TEST_MIGRATE_PAUSE_MS: "400" };
      const run = await migrateAndKill(env, ["--from", "file", "--to", "keychain"], 2, 150);
      assert.ok(run.killed);
      assert.equal(run.stdout.split("\n").filter((l) => l.startsWith("moved ")).length, 2);
      const state = await assertNoneLost(p.store("file"), p.store("keychain"), items);
      assert.deepEqual(state, { inBoth: 1, inB: 3 });
      const rerun = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], {
        env: p.env,
      });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, /\(it was in keychain already\)/);
      assert.match(
        rerun.stdout,
        /^Moved 4 items from file to keychain \(1 of them were in keychain already\)\.$/m,
      );
      await assertAllMoved(p.store("file"), p.store("keychain"), items);
    } finally {
      await p.close();
    }
  });

  test("--profile moves only that profile's keys and sessions", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place();
    try {
      const file = p.store("file");
      const soon = Date.now() + HOUR;
      await file.set("keys/dev ü", "k1");
      await file.set(`session/role/${encodeURIComponent("dev ü")}/-`, "s1", { expiresAt: soon });
      await file.set(
        `session/session/${encodeURIComponent("dev ü")}/${encodeURIComponent("arn:x/mfa")}`,
        "s2",
        {
          expiresAt: soon,
        },
      );
      await file.set("keys/dev ü2", "k2");
      await file.set("keys/dev", "k3");
      await file.set("session/role/dev/-", "s3", { expiresAt: soon });
      await file.set("totp/arn:x/mfa", "a plugin's own item");
      const r = await runVsw(
        ["keystore", "migrate", "--from", "file", "--to", "keychain", "--profile", "dev ü"],
        {
          env: p.env,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trimEnd().split("\n").at(-1), "Moved 3 items from file to keychain.");
      assert.deepEqual(
        (await p.store("keychain").list()).map((i) => i.name),
        [
          "keys/dev ü",
          `session/role/${encodeURIComponent("dev ü")}/-`,
          `session/session/${encodeURIComponent("dev ü")}/${encodeURIComponent("arn:x/mfa")}`,
        ].sort(),
      );
      assert.deepEqual(
        (await file.list()).map((i) => i.name),
        ["keys/dev", "keys/dev ü2", "session/role/dev/-", "totp/arn:x/mfa"],
      );
      // Without --profile every item moves, a plugin's own too (a TOTP secret must not stay behind).
      const all = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stdout, /^moved totp\/arn:x\/mfa$/m);
      assert.deepEqual(await file.list(), []);
      assert.equal(await p.store("keychain").get("totp/arn:x/mfa"), "a plugin's own item");
      const none = await runVsw(
        ["keystore", "migrate", "--from", "file", "--to", "keychain", "--profile", "nobody"],
        {
          env: p.env,
        },
      );
      assert.equal(none.code, 0, none.stderr);
      assert.equal(
        none.stdout,
        'Nothing to move: the file keystore holds no keys or sessions of profile "nobody".\n',
      );
    } finally {
      await p.close();
    }
  });

  test("a different value under the same name in the target is a conflict: kept on both sides, the rest moved, exit 1", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place();
    try {
      await p.store("file").set("keys/base", "from-file-value");
      await p.store("file").set("keys/other", "other-value");
      await p.store("keychain").set("keys/base", "keychain-value");
      const r = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^skipped keys\/base: the keychain keystore holds a different value under this name$/m,
      );
      assert.match(r.stdout, /^moved keys\/other$/m);
      assert.match(r.stdout, /^Moved 1 item from file to keychain \(1 conflict left in file\)\.$/m);
      assert.match(
        r.stderr,
        /1 item not moved: the keychain keystore holds a different value under the same name: "keys\/base"\. \(VSW_MIGRATE_CONFLICT\)/,
      );
      assert.match(r.stderr, /hint: Nothing was overwritten/);
      for (const text of ["from-file-value", "keychain-value", "other-value"]) {
        assert.ok(!(r.stdout + r.stderr).includes(text));
      }
      assert.equal(await p.store("file").get("keys/base"), "from-file-value");
      assert.equal(await p.store("keychain").get("keys/base"), "keychain-value");
      assert.equal(await p.store("keychain").get("keys/other"), "other-value");
      assert.equal(await p.store("file").get("keys/other"), undefined);
    } finally {
      await p.close();
    }
  });

  test("idempotent: an item already in the target with the same value is only removed from the source; a second run has nothing to do", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place();
    try {
      const soon = Date.now() + HOUR;
      await p.store("file").set("session/role/base/-", "same", { expiresAt: soon });
      // As a killed run may leave it: the value written, its expiry not (the keychain adds it after).
      await p.store("keychain").set("session/role/base/-", "same");
      const r = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^moved session\/role\/base\/- \(it was in keychain already\)$/m);
      assert.deepEqual(await p.store("file").list(), []);
      assert.deepEqual(await p.store("keychain").list(), [{ name: "session/role/base/-", expiresAt: soon }]);
      const again = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], {
        env: p.env,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, "Nothing to move: the file keystore holds no keys or sessions.\n");
    } finally {
      await p.close();
    }
  });

  test("expired sessions are dropped from the source, not copied", async (t) => {
    if (!available(t, ["keychain"])) return;
    const p = await place();
    try {
      await p.store("file").set("session/role/base/-", "old", { expiresAt: Date.now() - 1000 });
      await p.store("file").set("keys/base", "keys");
      const r = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^dropped session\/role\/base\/- \(expired\)$/m);
      assert.match(r.stdout, /^Moved 1 item from file to keychain \(1 expired session dropped\)\.$/m);
      assert.deepEqual(await p.store("file").list(), []);
      assert.deepEqual(
        (await p.store("keychain").list()).map((i) => i.name),
        ["keys/base"],
      );
    } finally {
      await p.close();
    }
  });

  test("usage: the same store twice, a missing --to, an unknown store, --json", async () => {
    const p = await place({ dbus: false });
    try {
      const same = await runVsw(["keystore", "migrate", "--from", "file", "--to", "file"], { env: p.env });
      assert.equal(same.code, 2);
      assert.match(same.stderr, /--from and --to name the same keystore, "file"\. \(VSW_USAGE\)/);
      const missing = await runVsw(["keystore", "migrate", "--from", "file"], { env: p.env });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /needs --from and --to\. \(VSW_USAGE\)/);
      const unknown = await runVsw(["keystore", "migrate", "--from", "file", "--to", "vault"], {
        env: p.env,
      });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /Keystore "vault" is not known\. \(VSW_KEYSTORE_UNKNOWN\)/);
      const json = await runVsw(["keystore", "migrate", "--from", "file", "--to", "pass", "--json"], {
        env: p.env,
      });
      assert.equal(json.code, 2);
      assert.match(json.stderr, /takes no --json/);
    } finally {
      await p.close();
    }
  });

  test("a locked keyring as the target: the first write fails with VSW_KEYCHAIN_LOCKED and every item stays in the source", async (t) => {
    if (!available(t, ["keychain"])) return;
    const s = secrets as SecretServiceWorld;
    const p = await place();
    try {
      const items = seedItems(4);
      await seed(p.store("file"), items);
      await s.lock();
      const r = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The keychain is locked and was not unlocked.*\(VSW_KEYCHAIN_LOCKED\)/);
      assert.equal(r.stdout, "");
      await s.stopDaemon();
      await s.startDaemon(true);
      await assertNoneLost(p.store("file"), p.store("keychain"), items);
      assert.equal((await p.store("file").list()).length, 4);
    } finally {
      await s.stopDaemon();
      await s.startDaemon(true);
      await p.close();
    }
  });

  test("without D-Bus, migrating to the keychain fails before anything moves", async () => {
    const p = await place({ dbus: false });
    try {
      await p.store("file").set("keys/base", "value");
      const r = await runVsw(["keystore", "migrate", "--from", "file", "--to", "keychain"], { env: p.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /VSW_KEYCHAIN_NO_DBUS/);
      assert.equal(r.stdout, "");
      assert.equal(await p.store("file").get("keys/base"), "value");
    } finally {
      await p.close();
    }
  });

  // Each store is the source of one MFA role session and the target of one (MFA codes are single-use
  // at the emulator and few per 30 s, so the other pairs check a session without MFA only).
  const WITH_MFA = new Set(["file>keychain", "keychain>pass", "pass>file"]);
  for (const [from, to] of PAIRS) {
    const mfa = WITH_MFA.has(`${from}>${to}`);
    test(`after ${from} → ${to}, export and exec work from ${to} against the STS emulator: cached sessions${mfa ? " (an MFA role's too)" : ""} and the moved keys`, async (t) => {
      if (!available(t, [from, to])) return;
      const p = await place();
      try {
        const env = { ...p.env, VSW_KEYSTORE: from };
        await addBaseKeys({ ...p.home, env }, world);
        const add = await runVsw(["add", "plain", "--env"], {
          env: { ...env, AWS_ACCESS_KEY_ID: plain.accessKeyId, AWS_SECRET_ACCESS_KEY: plain.secretAccessKey },
        });
        assert.equal(add.code, 0, add.stderr);
        const tokens = new Map<string, string>();
        for (const profile of mfa ? ["plain", "dev"] : ["plain"]) {
          const minted = await runVsw(
            ["export", profile, ...(profile === "dev" ? ["--mfa-token", world.code()] : [])],
            {
              env,
            },
          );
          assert.equal(minted.code, 0, minted.stderr);
          tokens.set(profile, JSON.parse(minted.stdout).SessionToken);
        }
        const r = await runVsw(["keystore", "migrate", "--from", from, "--to", to], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^moved keys\/base$/m);
        assert.match(r.stdout, /^moved keys\/plain$/m);
        for (const secret of [...tokens.values(), world.secretAccessKey, plain.secretAccessKey]) {
          assert.ok(!r.stdout.includes(secret), "no secret in the report");
        }
        const there = { ...p.env, VSW_KEYSTORE: to };
        // The cached sessions moved with the keys: found in the target, no new call, no MFA code.
        const calls = world.emu.successCount();
        for (const [profile, token] of tokens) {
          const cached = await runVsw(["export", profile], { env: there });
          assert.equal(cached.code, 0, cached.stderr);
          assert.equal(JSON.parse(cached.stdout).SessionToken, token);
        }
        assert.equal(world.emu.successCount(), calls);
        // The moved keys mint a new session once the cached ones are cleared.
        const clear = await runVsw(["clear"], { env: there });
        assert.equal(clear.code, 0, clear.stderr);
        const minted = world.emu.successCount("GetSessionToken");
        const exec = await runVsw(
          ["exec", "plain", "--", "node", "-e", "process.stdout.write(process.env.AWS_SESSION_TOKEN ?? '')"],
          { env: there },
        );
        assert.equal(exec.code, 0, exec.stderr);
        assert.ok(exec.stdout.length > 20 && exec.stdout !== tokens.get("plain"));
        assert.equal(
          world.emu.successCount("GetSessionToken"),
          minted + 1,
          "one session minted from the moved keys",
        );
        const left = await runVsw(["list", "--credentials"], { env });
        assert.equal(left.stdout, "", `nothing left in ${from}`);
      } finally {
        await p.close();
      }
    });
  }
});
