/**
 * Many runs, one code (issue 10, item 4), counted at the STS emulator: 20 parallel `vsw export` on a
 * cold cache make one GetSessionToken with one code from one `mfa_process` run, and the runs that
 * wait say why after a second; a holder killed with SIGKILL while asking for the code does not
 * leave the lock stuck; two profiles with one MFA device never send the same code twice.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  addBaseKeys,
  addKeys,
  type Home,
  MFA_SECRET,
  MFA_SERIAL,
  makeHome,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";

/**
 * The `mfa_process` of these tests: appends its pid to `$MFA_COUNT` (one line per run), sleeps
 * `$MFA_SLEEP` seconds, then prints a TOTP code for `$MFA_SECRET` (from the environment, never
 * argv). By default a fresh one: the codes it printed are kept in `$MFA_COUNT.codes` and the next
 * unused one of the accepted window is printed (waiting for the next step when all were). With `MFA_NAIVE=1` it prints the current code
 * whatever was printed before, as `oathtool --totp` or a YubiKey does.
 */
const MFA_SCRIPT = `import { createHmac } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
const env = process.env;
appendFileSync(env.MFA_COUNT, process.pid + "\\n");
await new Promise((resolve) => setTimeout(resolve, Number(env.MFA_SLEEP ?? 0) * 1000));
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
let bits = "";
for (const c of env.MFA_SECRET) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
const key = Buffer.from(bits.match(/.{8}/g).map((b) => Number.parseInt(b, 2)));
const totp = (seconds) => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
};
const log = env.MFA_COUNT + ".codes";
const used = new Set(existsSync(log) ? readFileSync(log, "utf8").split("\\n") : []);
let code;
for (;;) {
  const now = Date.now() / 1000;
  code = env.MFA_NAIVE === "1" ? totp(now) : [now, now + 30, now - 30].map(totp).find((c) => !used.has(c));
  if (code) break;
  // Every code STS would accept now was printed before: wait for the next step.
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
appendFileSync(log, code + "\\n");
process.stdout.write(code + "\\n");
`;

/** A HOME whose `base` has stored keys and the test mfa_process; `extra` is added to the config. */
async function homeFor(
  world: World,
  extra: (mfaProcess: string) => string = () => "",
): Promise<{ home: Home; count: string }> {
  const home = makeHome();
  const script = join(home.dir, "mfa.mjs");
  const count = join(home.dir, "mfa-count");
  writeFileSync(script, MFA_SCRIPT);
  const mfaProcess = `${process.execPath} ${script}`;
  home.writeConfig(
    world.config.replace("[profile base]\n", `[profile base]\nmfa_process = ${mfaProcess}\n`) +
      extra(mfaProcess),
  );
  await addBaseKeys(home, world);
  Object.assign(home.env, { MFA_COUNT: count, MFA_SECRET, MFA_SLEEP: "0" });
  return { home, count };
}

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];

describe("many runs, one code", () => {
  let world: World;
  let home: Home;
  let count: string;

  before(async () => {
    world = await startWorld();
    ({ home, count } = await homeFor(world));
  });
  after(async () => {
    home.cleanup();
    await world.emu.close();
  });
  beforeEach(async () => {
    await runVsw(["clear"], { env: home.env });
    writeFileSync(count, "");
    world.emu.resetCalls();
  });

  test("20 parallel vsw export dev on a cold cache: one GetSessionToken, one mfa_process run, waiters say why", async () => {
    const env = { ...home.env, MFA_SLEEP: "2" };
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => runVsw(["export", "dev", "--format", "json"], { env })),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(count).length, 1, "mfa_process ran once");
    const tokens = world.emu.calls.filter((c) => c.action === "GetSessionToken");
    assert.equal(tokens.length, 1, JSON.stringify(tokens));
    assert.equal(tokens[0]?.tokenCode, true);
    assert.equal(tokens[0]?.status, 200);
    // The role is assumed (by one run or a few: a role step without MFA takes no lock) from that one session.
    const assumes = world.emu.calls.filter((c) => c.action === "AssumeRole");
    assert.ok(assumes.length >= 1);
    assert.equal(new Set(assumes.map((c) => c.accessKeyId)).size, 1);
    assert.ok(assumes.every((c) => c.status === 200));
    // The core warns after a second of waiting; mfa_process takes two.
    const waited = runs.filter((r) =>
      /Waiting for another vsw \(pid \d+\) that is getting the session of "base"/.test(r.stderr),
    );
    assert.ok(waited.length >= 1, runs.map((r) => r.stderr).join("\n"));
  });

  test("20 parallel vsw export base hand out the very same session", async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        runVsw(["export", "base", "--format", "json"], { env: { ...home.env, MFA_SLEEP: "1" } }),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const keys = new Set(runs.map((r) => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId));
    assert.equal(keys.size, 1);
    assert.equal(world.emu.successCount("GetSessionToken"), 1);
    assert.equal(lines(count).length, 1);
  });

  test("a holder killed with SIGKILL while asking for the code does not block the next run", async () => {
    // The holder's mfa_process sleeps 60 s: it holds the lock until killed.
    const holder = spawn(process.execPath, [VSW, "export", "base"], {
      env: { ...home.env, MFA_SLEEP: "60" },
      stdio: "ignore",
    });
    try {
      await until(() => lines(count).length === 1, 10_000);
      holder.kill("SIGKILL");
      await exited(holder);
      // The lock's heartbeat goes stale only after 30 s; a dead pid on this host is seen at once.
      const started = Date.now();
      const next = await runVsw(["export", "base"], { env: home.env });
      const took = Date.now() - started;
      assert.equal(next.code, 0, next.stderr);
      assert.ok(took < 10_000, `took ${took} ms`);
      assert.equal(world.emu.successCount("GetSessionToken"), 1);
    } finally {
      // The killed holder's mfa_process was orphaned asleep; end it by its pid.
      const orphan = Number(lines(count)[0]);
      if (orphan) killQuietly(orphan);
    }
  });
});

describe("two profiles with one MFA device", () => {
  let world: World;
  let home: Home;
  let count: string;

  before(async () => {
    world = await startWorld();
    // base2: the same user's keys and device, its own session step (so its own mint lock).
    ({ home, count } = await homeFor(
      world,
      (mfaProcess) => `
[profile base2]
region = eu-west-1
mfa_serial = ${MFA_SERIAL}
mfa_process = ${mfaProcess}
endpoint_url = ${world.emu.url}
`,
    ));
    await addKeys(home.env, world, "base2");
  });
  after(async () => {
    home.cleanup();
    await world.emu.close();
  });

  test("minted at once with a source that gives the current code, no code is sent twice and both succeed", async () => {
    // MFA_NAIVE: both runs' mfa_process print the code of the current 30 s step, as a YubiKey would.
    const env = { ...home.env, MFA_NAIVE: "1" };
    const [a, b] = await Promise.all([
      runVsw(["export", "base", "--format", "json"], { env }),
      runVsw(["export", "base2", "--format", "json"], { env }),
    ]);
    assert.equal(a?.code, 0, a?.stderr);
    assert.equal(b?.code, 0, b?.stderr);
    const tokens = world.emu.calls.filter((c) => c.action === "GetSessionToken");
    assert.deepEqual(
      tokens.map((c) => c.status),
      [200, 200],
      "no GetSessionToken was refused for a reused code",
    );
    assert.ok(lines(count).length >= 2);
    const waited = [a, b].filter((r) =>
      /was already used \(AWS accepts a code once\); waiting \d+ s/.test(r.stderr),
    );
    const codes = lines(`${count}.codes`);
    // Either the two asks fell in different 30 s steps, or the second one waited for the next.
    assert.ok(new Set(codes).size >= 2, JSON.stringify({ codes: codes.length }));
    assert.ok(waited.length <= 1);
  });
});

function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error("timed out waiting"));
      setTimeout(poll, 50);
    };
    poll();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
