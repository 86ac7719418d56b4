/**
 * The `pass` keystore on the real `pass` and `gpg`: a throwaway ed25519 key in a temporary
 * GNUPGHOME and a store initialised for it (helpers/pass-world.ts), then the whole vsw CLI against
 * the STS emulator.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isVswError } from "../src/core/errors.js";
import { openPassStore } from "../src/plugins/keystore/pass.js";
import { encodeComponent, encodePath, parseEntryFile } from "../src/plugins/keystore/pass-names.js";
import { closeWorld, makeHome, ROOT, requireTool, runVsw, worldWithHome } from "./helpers/harness.js";
import { killAgent, makeGpgHome, startPassWorld } from "./helpers/pass-world.js";

type PassWorld = Awaited<ReturnType<typeof startPassWorld>>;

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
after(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Rejects with a VswError of `code`; returns it so the message can be read. */
async function rejectsWith(promise: Promise<unknown>, code: string) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isVswError(error), `not a VswError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** A folder with `pass` and `gpg` wrappers that log their argv to `log` and run the real ones. */
function loggingPath(log: string): string {
  const bin = tempDir("vsw-pass-bin-");
  for (const tool of ["pass", "gpg", "gpg2"]) {
    const real = execFileSync("sh", ["-c", `command -v ${tool} || true`], { encoding: "utf8" }).trim();
    if (!real) continue;
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return bin;
}

describe("pass entry names", () => {
  test("every byte outside a-z 0-9 - _ . is percent-encoded, and so are % @, a leading dot and a final .gpg", () => {
    assert.equal(encodeComponent("prod-1_a.b"), "prod-1_a.b");
    assert.equal(encodeComponent("Prod %@"), "%50rod%20%25%40");
    assert.equal(encodeComponent(".."), "%2E.");
    assert.equal(encodeComponent("x.gpg"), "x%2Egpg");
    assert.equal(encodeComponent("ü"), "%C3%BC");
  });

  test("only canonical spellings decode: a foreign file is not ours", () => {
    assert.deepEqual(parseEntryFile("prod.gpg"), { component: "prod", file: "prod.gpg" });
    assert.deepEqual(parseEntryFile("a%40b@17.gpg"), {
      component: "a@b",
      file: "a%40b@17.gpg",
      expiresAt: 17,
    });
    for (const foreign of [
      "%61.gpg",
      "%c3%bc.gpg",
      "Prod.gpg",
      ".hidden.gpg",
      "a@017.gpg",
      "a@.gpg",
      "a@1@2.gpg",
      ".gpg-id",
      "%FF.gpg",
    ]) {
      assert.equal(parseEntryFile(foreign), undefined, foreign);
    }
  });

  test("a name with an empty part or a part too long for a file name is a usage error", () => {
    for (const name of ["/a", "a/", "a//b", "", "x".repeat(201)]) {
      assert.throws(
        () => encodePath(name),
        (error: unknown) => isVswError(error) && error.code === "VSW_USAGE",
      );
    }
    assert.throws(() => encodePath("keys/a//b"), /has an empty part/);
    assert.throws(() => encodePath(`keys/${"é".repeat(40)}`), /too long for a file name/);
  });
});

describe("the pass keystore on real pass and gpg", () => {
  let world: PassWorld;
  const secrets: string[] = [];
  const secret = (label: string) => {
    const value = `${label}-${randomBytes(18).toString("base64url")}`;
    secrets.push(value);
    return value;
  };

  before(async () => {
    // Each test calls requireTool itself: it skips with the reason, or fails under CI=true.
    if (hasTool("pass") && hasTool("gpg")) world = await startPassWorld();
  });
  after(async () => {
    await world?.close();
  });

  test("add, get, list and delete round-trip, and a missing entry reads as undefined", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    await store.open();
    const value = secret("keys");
    await store.set("keys/prod", value);
    assert.equal(await store.get("keys/prod"), value);
    assert.deepEqual(await store.list("keys/"), [{ name: "keys/prod" }]);
    assert.equal(await store.get("keys/nope"), undefined);
    assert.ok(
      existsSync(join(world.storeDir, "vsw", "keys", "prod.gpg")),
      "stored as the entry vsw/keys/prod",
    );
    assert.equal(await store.delete("keys/prod"), true);
    assert.equal(await store.delete("keys/prod"), false);
    assert.equal(await store.get("keys/prod"), undefined);
    assert.deepEqual(await store.list("keys/"), []);
  });

  test("unicode names and values, newlines, an empty value and 64 KiB round-trip byte for byte", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    const values: Record<string, string> = {
      "keys/prød 名前 🚀": `ünïcødé ✓ ${secret("u")}`,
      "keys/trailing": `${secret("t")}\n`,
      "keys/no-newline": secret("n"),
      "keys/multi": `line1\r\n\n${secret("m")}\n\n`,
      "keys/empty": "",
      "keys/long": (secret("l") + randomBytes(48 * 1024).toString("base64")).slice(0, 64 * 1024),
      "weird/%@/.hidden/x.gpg/..": secret("w"),
    };
    for (const [name, value] of Object.entries(values)) await store.set(name, value);
    for (const [name, value] of Object.entries(values)) assert.equal(await store.get(name), value, name);
    const names = (await store.list()).map((item) => item.name);
    assert.deepEqual(
      names,
      Object.keys(values).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    for (const name of Object.keys(values)) await store.delete(name);
  });

  test("expiry comes back from list without running pass or gpg, and set replaces every older entry", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const log = join(tempDir("vsw-pass-log-"), "calls.log");
    writeFileSync(log, "");
    const env = { ...world.env, PATH: `${loggingPath(log)}${delimiter}${world.env.PATH}` };
    const store = openPassStore({ env });
    const name = "session/AssumeRole/dev/arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fme";
    await store.set(name, secret("s1"), { expiresAt: 1_000 });
    const second = secret("s2");
    await store.set(name, second, { expiresAt: 2_000 });
    await store.set("keys/dev", secret("k"));
    writeFileSync(log, "");
    assert.deepEqual(await store.list(), [{ name: "keys/dev" }, { name, expiresAt: 2_000 }]);
    assert.deepEqual(await store.list("session/AssumeRole/"), [{ name, expiresAt: 2_000 }]);
    assert.equal(readFileSync(log, "utf8"), "", "list ran no pass and no gpg");
    assert.equal(await store.get(name), second);
    const calls = readFileSync(log, "utf8");
    assert.match(calls, /^pass show /m, "get is one pass show");
    assert.equal(calls.match(/^pass /gm)?.length, 1);
    const dir = join(world.storeDir, "vsw", "session", "%41ssume%52ole", "dev");
    assert.deepEqual(readdirSync(dir), [`${encodeComponent(name.split("/")[3] as string)}@2000.gpg`]);
    await store.delete(name);
    await store.delete("keys/dev");
  });

  test("an entry left by a set killed before clean-up: listed once with the latest expiry, and get reads it", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    const newer = secret("newer");
    await store.set("session/x/p/-", secret("older"), { expiresAt: 5 });
    const dir = join(world.storeDir, "vsw", "session", "x", "p");
    const olderFile = readFileSync(join(dir, "-@5.gpg"));
    await store.set("session/x/p/-", newer, { expiresAt: 9 });
    writeFileSync(join(dir, "-@5.gpg"), olderFile, { mode: 0o600 }); // as if killed before the removal
    writeFileSync(join(dir, ".vsw-tmp-0123456789abcdef.gpg"), ""); // and a temporary entry of a crash
    writeFileSync(join(dir, "%2D.gpg"), ""); // a non-canonical spelling: not ours
    assert.deepEqual(await store.list("session/x/"), [{ name: "session/x/p/-", expiresAt: 9 }]);
    assert.equal(await store.get("session/x/p/-"), newer);
    await store.set("session/x/p/-", newer, { expiresAt: 10 });
    assert.deepEqual(readdirSync(dir).sort(), ["%2D.gpg", "-@10.gpg"], "the next set removed the leftovers");
    assert.equal(await store.delete("session/x/p/-"), true);
    rmSync(join(dir, "%2D.gpg"));
  });

  test("concurrent sets of different items all land; of one item, one value wins intact", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    const different = Array.from({ length: 6 }, (_, i) => [`keys/c${i}`, secret(`c${i}`)] as const);
    await Promise.all(different.map(([name, value]) => store.set(name, value)));
    for (const [name, value] of different) assert.equal(await store.get(name), value);
    const same = Array.from({ length: 6 }, (_, i) => secret(`same${i}`));
    await Promise.all(same.map((value, i) => store.set("session/t/same/-", value, { expiresAt: 100 + i })));
    const got = await store.get("session/t/same/-");
    assert.ok(got !== undefined && same.includes(got), "one of the written values, whole");
    assert.equal((await store.list("session/t/")).length, 1);
    for (const [name] of different) await store.delete(name);
    await store.delete("session/t/same/-");
  });

  test("kill -9 in the middle of writes never leaves a truncated or missing value", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    const big = (i: number) => `v${i}:${"x".repeat(256 * 1024)}`;
    await store.set("keys/killed", big(0));
    const script = join(tempDir("vsw-pass-writer-"), "writer.mts");
    writeFileSync(
      script,
      `import { openPassStore } from ${JSON.stringify(join(ROOT, "src/plugins/keystore/pass.ts"))};
const env = JSON.parse(process.env.WRITER_ENV);
const store = openPassStore({ env });
for (let i = 1; ; i++) { await store.set("keys/killed", "v" + i + ":" + "x".repeat(256 * 1024)); process.stdout.write(i + "\\n"); }
`,
    );
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        cwd: ROOT,
        env: { ...process.env, WRITER_ENV: JSON.stringify(world.env) },
        stdio: ["ignore", "pipe", "inherit"],
        detached: true, // its own process group, so pass and gpg die with it
      });
      await waitForOutput(child);
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 150));
      process.kill(-(child.pid as number), "SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      const value = await store.get("keys/killed");
      assert.ok(value !== undefined, "the item survived");
      const index = Number(value.slice(1, value.indexOf(":")));
      assert.equal(value, big(index), `round ${round}: a whole value`);
    }
    await store.delete("keys/killed");
  });

  test("ps sampled while pass runs never shows a secret", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    const store = openPassStore({ env: world.env });
    const value = secret("ps");
    const sampler = join(tempDir("vsw-pass-ps-"), "sampler.mjs");
    writeFileSync(
      sampler,
      `import { readdirSync, readFileSync } from "node:fs";
const needle = readFileSync(0, "utf8");
let samples = 0, hits = 0, passSeen = 0;
const end = Date.now() + Number(process.argv[2]);
while (Date.now() < end) {
  for (const pid of readdirSync("/proc")) {
    if (!/^\\d+$/.test(pid) || pid === String(process.pid)) continue;
    let cmd = "";
    try { cmd = readFileSync("/proc/" + pid + "/cmdline", "latin1"); } catch { continue; }
    samples++;
    if (cmd.includes(needle)) hits++;
    if (/(^|\\/)(pass|gpg)\\0/.test(cmd) || cmd.includes("/usr/bin/pass")) passSeen++;
  }
}
console.log(JSON.stringify({ samples, hits, passSeen }));
`,
    );
    const child = spawn(process.execPath, [sampler, "2500"], { stdio: ["pipe", "pipe", "inherit"] });
    child.stdin.end(value); // the needle goes on stdin, not in the sampler's own argv
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const closed = new Promise((resolve) => child.once("close", resolve));
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      await store.set("keys/ps", value);
      assert.equal(await store.get("keys/ps"), value);
    }
    await closed;
    const result = JSON.parse(out) as { samples: number; hits: number; passSeen: number };
    assert.ok(result.passSeen > 0, `the sampler saw pass or gpg running (${out})`);
    assert.equal(result.hits, 0, "no process had the secret in its argv");
    await store.delete("keys/ps");
  });

  test("afterwards no file in the store, GNUPGHOME or /tmp holds a value in plain text", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg") || !world) return;
    assert.ok(secrets.length > 10);
    const roots = [world.storeDir, world.gnupgHome, tmpdir(), "/dev/shm"];
    for (const value of secrets) {
      const needle = value.slice(0, 40);
      const found = execFileSync(
        "sh",
        ["-c", 'grep -rlF -e "$1" -- "$@" 2>/dev/null | head -5 || true', "sh", needle, ...roots],
        {
          encoding: "utf8",
        },
      );
      assert.equal(found.trim(), "", `plain text of a value found in: ${found}`);
    }
  });
});

function hasTool(name: string): boolean {
  return execFileSync("sh", ["-c", `command -v ${name} || true`], { encoding: "utf8" }).trim() !== "";
}

async function waitForOutput(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("close", () => reject(new Error("the writer exited before writing")));
  });
}

describe("pass keystore errors, read as a user reads them", () => {
  test("pass missing from PATH is VSW_PASS_NOT_INSTALLED with an install hint", async (t) => {
    if (!requireTool(t, "pass")) return;
    const world = await startPassWorld();
    t.after(() => world.close());
    const empty = tempDir("vsw-nopath-");
    const store = openPassStore({ env: { ...world.env, PATH: empty } });
    const error = await rejectsWith(store.list(), "VSW_PASS_NOT_INSTALLED");
    assert.equal(error.message, "The pass keystore needs `pass` but it is not installed (not on PATH).");
    assert.match(error.hint ?? "", /apt install pass.*brew install pass/);
  });

  test("a store without .gpg-id is VSW_PASS_NOT_INITIALISED with the pass init hint", async (t) => {
    if (!requireTool(t, "pass")) return;
    const dir = join(tempDir("vsw-uninit-"), "store");
    const store = openPassStore({ env: { PATH: process.env.PATH ?? "", PASSWORD_STORE_DIR: dir } });
    for (const call of [store.list(), store.get("keys/a"), store.set("keys/a", "v"), store.open()]) {
      const error = await rejectsWith(call, "VSW_PASS_NOT_INITIALISED");
      assert.equal(error.message, `The password store "${dir}" is not initialised (it has no .gpg-id).`);
      assert.match(error.hint ?? "", /pass init GPG-ID/);
    }
  });

  test("a GNUPGHOME without the secret key is VSW_PASS_GPG_FAILED on open and on get", async (t) => {
    if (!requireTool(t, "pass")) return;
    const world = await startPassWorld();
    const other = tempDir("vsw-gnupg-pub-");
    t.after(async () => {
      killAgent(other);
      await world.close();
    });
    await openPassStore({ env: world.env }).set("keys/a", "v");
    const pub = execFileSync("gpg", ["--export", world.fingerprint], { env: world.env });
    chmodSync(other, 0o700);
    execFileSync("gpg", ["--batch", "--import"], {
      env: { ...world.env, GNUPGHOME: other },
      input: pub,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const store = openPassStore({ env: { ...world.env, GNUPGHOME: other } });
    const opened = await rejectsWith(store.open(), "VSW_PASS_GPG_FAILED");
    assert.match(
      opened.message,
      /^gpg could not use the key of the password store ".*" \(No secret key\)\.$/,
    );
    const read = await rejectsWith(store.get("keys/a"), "VSW_PASS_GPG_FAILED");
    assert.equal(read.message, 'gpg could not decrypt the item "keys/a" (decryption failed: No secret key).');
    assert.match(read.hint ?? "", /no secret key for [0-9A-F]{40}: import it/);
    assert.deepEqual(await store.list(), [{ name: "keys/a" }], "listing needs no key at all");
  });

  test("an expired key is VSW_PASS_GPG_FAILED on open and set, with a hint to extend it", async (t) => {
    if (!requireTool(t, "pass")) return;
    const root = tempDir("vsw-expired-");
    const gnupg = join(root, "gnupg");
    mkdirSync(gnupg);
    t.after(() => killAgent(gnupg));
    const fingerprint = makeGpgHome(gnupg, { expire: "seconds=1" });
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: root,
      GNUPGHOME: gnupg,
      PASSWORD_STORE_DIR: join(root, "store"),
    };
    execFileSync("pass", ["init", fingerprint], { env, stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const store = openPassStore({ env });
    const opened = await rejectsWith(store.open(), "VSW_PASS_GPG_FAILED");
    assert.match(opened.message, /Unusable public key .*: expired\)\.$/);
    const set = await rejectsWith(store.set("keys/a", "value"), "VSW_PASS_GPG_FAILED");
    assert.equal(
      set.message,
      `gpg could not store the item "keys/a" (${fingerprint}: skipped: Unusable public key).`,
    );
    assert.match(set.hint ?? "", /expired or revoked: extend it/);
    const left = readdirSync(join(root, "store", "vsw"), { recursive: true }).filter((file) =>
      String(file).endsWith(".gpg"),
    );
    assert.deepEqual(left, [], "no entry, not even a temporary one, was left behind");
  });

  test("a passphrase-protected key whose pinentry refuses is VSW_PASS_GPG_FAILED saying it could not be unlocked", async (t) => {
    if (!requireTool(t, "pass")) return;
    const root = tempDir("vsw-pinentry-");
    const gnupg = join(root, "gnupg");
    mkdirSync(gnupg);
    t.after(() => killAgent(gnupg));
    const fingerprint = makeGpgHome(gnupg, { passphrase: randomBytes(9).toString("hex") });
    writeFileSync(join(gnupg, "gpg-agent.conf"), "pinentry-program /bin/false\n");
    killAgent(gnupg); // the agent that made the key remembers its passphrase
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: root,
      GNUPGHOME: gnupg,
      PASSWORD_STORE_DIR: join(root, "store"),
    };
    execFileSync("pass", ["init", fingerprint], { env, stdio: "ignore" });
    const store = openPassStore({ env });
    await store.open(); // listing keys asks for no passphrase
    await store.set("keys/a", "value"); // encrypting needs none either
    const error = await rejectsWith(store.get("keys/a"), "VSW_PASS_GPG_FAILED");
    assert.equal(
      error.message,
      'gpg could not decrypt the item "keys/a" (the secret key is here but could not be unlocked).',
    );
    assert.match(error.hint ?? "", /gpg-agent could not unlock the key.*pinentry/);
  });
});

describe("vsw --keystore pass, end to end", () => {
  test("add → list → exec → export from the cache → remove → clear, with no secret in plain text anywhere", async (t) => {
    if (!requireTool(t, "pass") || !requireTool(t, "gpg")) return;
    const pass = await startPassWorld();
    const { world, home } = await worldWithHome({ keys: false });
    t.after(async () => {
      await closeWorld(world, home);
      await pass.close();
    });
    const env: NodeJS.ProcessEnv = {
      ...home.env,
      GNUPGHOME: pass.gnupgHome,
      PASSWORD_STORE_DIR: pass.storeDir,
    };
    delete env.VSW_FILE_PASSPHRASE; // the file keystore must not be what answers
    const added = await runVsw(["--keystore", "pass", "add", "base", "--env"], {
      env: { ...env, AWS_ACCESS_KEY_ID: world.accessKeyId, AWS_SECRET_ACCESS_KEY: world.secretAccessKey },
    });
    assert.equal(added.code, 0, added.stderr);
    assert.ok(existsSync(join(pass.storeDir, "vsw", "keys", "base.gpg")));

    const listed = await runVsw(["--keystore", "pass", "list"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /base/);

    const exec = await runVsw(
      [
        "--keystore",
        "pass",
        "exec",
        "dev",
        "--mfa-token",
        world.code(),
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.AWS_SESSION_TOKEN ? 'token' : 'none')",
      ],
      { env },
    );
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), "token");
    const sessions = await openPassStore({ env: env as Record<string, string> }).list("session/");
    assert.ok(sessions.length >= 1 && sessions.every((item) => typeof item.expiresAt === "number"));

    // The hot path on a cached session, pass vs the file store (reported, not asserted).
    const calls = world.emu.calls.length;
    const timing = { ...env };
    delete timing.NODE_EXTRA_CA_CERTS;
    const passMs = await median(() =>
      runVsw(["--keystore", "pass", "export", "dev", "--format", "json"], { env: timing }),
    );
    assert.equal(world.emu.calls.length, calls, "export was served from the pass cache");
    const fileMs = await fileStoreTiming(world);
    t.diagnostic(`cached export: pass ${passMs} ms, file ${fileMs} ms (medians of 7)`);

    const removed = await runVsw(["--keystore", "pass", "remove", "base", "--force"], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(!existsSync(join(pass.storeDir, "vsw", "keys", "base.gpg")));
    const cleared = await runVsw(["--keystore", "pass", "clear"], { env });
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.deepEqual(await openPassStore({ env: env as Record<string, string> }).list(), []);

    const roots = [home.dir, pass.storeDir, pass.gnupgHome, tmpdir(), "/dev/shm"];
    for (const needle of [world.secretAccessKey]) {
      const found = execFileSync(
        "sh",
        ["-c", 'grep -rlF -e "$1" -- "$@" 2>/dev/null | head -5 || true', "sh", needle, ...roots],
        {
          encoding: "utf8",
        },
      );
      assert.equal(found.trim(), "", `the secret key in plain text in: ${found}`);
    }
  });
});

async function median(fn: () => Promise<{ code: number | null; stderr: string }>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const result = await fn();
    times.push(performance.now() - start);
    assert.equal(result.code, 0, result.stderr);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[3] ?? 0);
}

/** The same cached export on the file store, in its own HOME. */
async function fileStoreTiming(world: Awaited<ReturnType<typeof worldWithHome>>["world"]): Promise<number> {
  const home = makeHome();
  try {
    home.writeConfig(world.config);
    const added = await runVsw(["add", "base", "--env"], {
      env: {
        ...home.env,
        AWS_ACCESS_KEY_ID: world.accessKeyId,
        AWS_SECRET_ACCESS_KEY: world.secretAccessKey,
      },
    });
    assert.equal(added.code, 0, added.stderr);
    const first = await runVsw(["export", "dev", "--mfa-token", world.code(), "--format", "json"], {
      env: home.env,
    });
    assert.equal(first.code, 0, first.stderr);
    const env = { ...home.env };
    delete env.NODE_EXTRA_CA_CERTS;
    return await median(() => runVsw(["export", "dev", "--format", "json"], { env }));
  } finally {
    home.cleanup();
  }
}
