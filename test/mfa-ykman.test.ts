/**
 * The `ykman` MFA source through the CLI, with the stand-in `ykman` (test/fixtures/ykman/ykman)
 * first on PATH, against the STS emulator and with no terminal: which profiles call it (only those
 * configured for it), the argv it gets, the touch prompt, and every failure as a user reads it.
 * Then the stand-in itself against the texts of the real ykman's source.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import {
  closeWorld,
  type Home,
  MFA_SECRET,
  MFA_SERIAL,
  type RunResult,
  requireTool,
  run,
  runVsw,
  VSW,
  type World,
  worldWithHome,
} from "./helpers/harness.js";
import {
  type StandIn,
  type StandInAccount,
  type StandInState,
  YKMAN,
  ykmanStandIn,
} from "./helpers/ykman-stand-in.js";

const ACCOUNT = "Amazon Web Services:me@111111111111";
const oneKey = (accounts: StandInAccount[] = [{ id: ACCOUNT, secret: MFA_SECRET }]): StandInState => ({
  devices: [{ serial: 12345678, accounts }],
});
/** The error as vsw prints it: the sentence with its code, then the hint. */
const shown = (code: string, message: string, hint: string) => `vsw: ${message} (${code})\nhint: ${hint}\n`;

describe("the ykman MFA source", () => {
  let world: World;
  let home: Home;
  let ykman: StandIn;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    // A world per test: a YubiKey gives one code per 30 s, and the emulator takes each code once.
    ({ world, home } = await worldWithHome());
    ykman = ykmanStandIn(home.dir);
    env = { ...home.env, ...ykman.env };
  });
  afterEach(async () => closeWorld(world, home));

  /** The world's config with `lines` added to the base profile (where the MFA step is). */
  const base = (lines: string) =>
    home.writeConfig(world.config.replace("[profile base]\n", `[profile base]\n${lines}\n`));
  const exec = (extra: NodeJS.ProcessEnv = {}) =>
    runVsw(["exec", "dev", "--", "sh", "-c", "echo $VSW_PROFILE"], { env: { ...env, ...extra } });

  test("mfa_ykman_account: vsw exec works with no terminal, ykman gets exactly that account", async () => {
    ykman.set(oneKey());
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "dev\n");
    assert.deepEqual(ykman.calls(), [["oath", "accounts", "code", "--single", "--", ACCOUNT]]);
    assert.equal(world.emu.calls.filter((c) => c.action === "GetSessionToken").length, 1);
  });

  test("vsw plan says the code comes via ykman, without calling it", async () => {
    ykman.set(oneKey());
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const plan = await runVsw(["plan", "dev"], { env });
    assert.match(plan.stdout, /GetSessionToken {2}MFA arn:aws:iam::111111111111:mfa\/me via ykman/);
    assert.deepEqual(ykman.calls(), []);
  });

  test("mfa_source = ykman alone: the account asked for is the mfa_serial", async () => {
    ykman.set(oneKey([{ id: MFA_SERIAL, secret: MFA_SECRET }]));
    base("mfa_source = ykman");
    const r = await exec();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ykman.calls(), [["oath", "accounts", "code", "--single", "--", MFA_SERIAL]]);
  });

  test("VSW_MFA_SOURCE=ykman alone counts as configured", async () => {
    ykman.set(oneKey([{ id: MFA_SERIAL, secret: MFA_SECRET }]));
    const r = await exec({ VSW_MFA_SOURCE: "ykman" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ykman.calls().length, 1);
  });

  test("YKMAN_OATH_DEVICE_SERIAL picks the YubiKey with --device", async () => {
    ykman.set({
      devices: [
        { serial: 111, accounts: [{ id: "other", secret: "JBSWY3DPEHPK3PXP" }] },
        { serial: 222, accounts: [{ id: ACCOUNT, secret: MFA_SECRET }] },
      ],
    });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec({ YKMAN_OATH_DEVICE_SERIAL: "222" });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ykman.calls(), [
      ["--device", "222", "oath", "accounts", "code", "--single", "--", ACCOUNT],
    ]);
  });

  test("a touch account: the prompt reaches stderr, and the touch releases the code", async () => {
    ykman.set(oneKey([{ id: ACCOUNT, secret: MFA_SECRET, touch: true }]));
    base(`mfa_ykman_account = ${ACCOUNT}`);
    // Touch only once the user has been asked, as a person would.
    const r = await runUntil(["exec", "dev", "--", "true"], env, /Touch your YubiKey/, () => ykman.touch());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^vsw: warning: Touch your YubiKey… \(MFA code for profile "base"\)$/m);
  });

  test("a touch account not touched in time: VSW_YKMAN_TOUCH_TIMEOUT, STS not called", async () => {
    ykman.set({ ...oneKey([{ id: ACCOUNT, secret: MFA_SECRET, touch: true }]), touchTimeoutMs: 300 });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    world.emu.resetCalls();
    const r = await exec();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Touch your YubiKey/);
    assert.ok(
      r.stderr.endsWith(
        shown(
          "VSW_YKMAN_TOUCH_TIMEOUT",
          'The YubiKey was not touched in time for the MFA code of profile "base".',
          "Run the command again and touch the YubiKey when it blinks.",
        ),
      ),
      r.stderr,
    );
    assert.equal(world.emu.calls.length, 0);
  });

  test("no YubiKey (ykman's PC/SC warning, then its error after a delay): VSW_YKMAN_NO_DEVICE", async () => {
    ykman.set({ noDeviceDelayMs: 300 });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_NO_DEVICE",
        'No YubiKey is connected: ykman found none for profile "base".',
        "Insert the YubiKey. ykman also says PC/SC is not available: it needs pcscd for OATH codes (sudo systemctl start pcscd).",
      ),
    );
  });

  test("no YubiKey with pcscd running, as ykman 4.x says it: the plain hint", async () => {
    ykman.set({ version: "4.0.9", pcscd: true });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.match(
      r.stderr,
      /\(VSW_YKMAN_NO_DEVICE\)\nhint: Insert the YubiKey and run the command again\.\n$/,
    );
  });

  test("no such account: VSW_YKMAN_NO_ACCOUNT names it and how to list them", async () => {
    ykman.set(oneKey());
    base("mfa_ykman_account = aws:nobody");
    const r = await exec();
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_NO_ACCOUNT",
        'The YubiKey has no OATH account matching "aws:nobody" (profile "base").',
        "See its accounts with `ykman oath accounts list`, then set mfa_ykman_account = NAME in the profile to the one for this MFA device.",
      ),
    );
  });

  test("several accounts match: VSW_YKMAN_NO_ACCOUNT lists them", async () => {
    ykman.set(
      oneKey([
        { id: `${ACCOUNT}-a`, secret: MFA_SECRET },
        { id: `${ACCOUNT}-b`, secret: MFA_SECRET },
      ]),
    );
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_NO_ACCOUNT",
        `Several OATH accounts on the YubiKey match "${ACCOUNT}" (profile "base"): "${ACCOUNT}-a", "${ACCOUNT}-b".`,
        "Set mfa_ykman_account in the profile to the full name of one of them.",
      ),
    );
  });

  test("the YubiKey named by YKMAN_OATH_DEVICE_SERIAL is not there: VSW_YKMAN_NO_DEVICE names the serial", async () => {
    ykman.set(oneKey());
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec({ YKMAN_OATH_DEVICE_SERIAL: "999" });
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_NO_DEVICE",
        'The YubiKey with serial 999 (YKMAN_OATH_DEVICE_SERIAL) is not connected; profile "base" needs it.',
        "Insert that YubiKey, or set YKMAN_OATH_DEVICE_SERIAL to one that `ykman list --serials` shows.",
      ),
    );
  });

  test("two YubiKeys and no serial: VSW_YKMAN_SEVERAL_DEVICES says to set YKMAN_OATH_DEVICE_SERIAL", async () => {
    ykman.set({
      devices: [
        { serial: 1, accounts: [] },
        { serial: 2, accounts: [] },
      ],
    });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.match(r.stderr, /\(VSW_YKMAN_SEVERAL_DEVICES\)\nhint: Set YKMAN_OATH_DEVICE_SERIAL/);
  });

  test("a password-protected OATH application with no terminal: VSW_YKMAN_PASSWORD", async () => {
    ykman.set({ devices: [{ serial: 1, password: "pw", accounts: [{ id: ACCOUNT, secret: MFA_SECRET }] }] });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec();
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_PASSWORD",
        `The YubiKey's OATH accounts are protected by a password, and ykman had no terminal to ask for it (profile "base").`,
        "Run `ykman oath access remember` once to keep the password on this machine, or run vsw on a terminal.",
      ),
    );
  });

  test("ykman not on PATH: VSW_YKMAN_NOT_INSTALLED says how to install it", async () => {
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec({ PATH: dirname(process.execPath) });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      shown(
        "VSW_YKMAN_NOT_INSTALLED",
        'Profile "base" gets its MFA code from a YubiKey, but ykman is not installed (not found on PATH).',
        "Install YubiKey Manager (pipx install yubikey-manager, apt install yubikey-manager or brew install ykman), or choose another mfa_source.",
      ),
    );
  });

  test("a hung ykman is stopped at our own limit: VSW_YKMAN_TIMEOUT", async () => {
    ykman.set({ ...oneKey(), hangMs: 60_000 });
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const started = Date.now();
    const r = await exec({ VSW_YKMAN_TIMEOUT: "1" });
    assert.ok(Date.now() - started < 10_000);
    assert.match(
      r.stderr,
      /^vsw: ykman gave no MFA code for profile "base" within 1 s and was stopped\. \(VSW_YKMAN_TIMEOUT\)$/m,
    );
  });

  test("an error ykman has no known words for: VSW_YKMAN_FAILED with its first error line", async () => {
    const bin = fakeYkman(
      home.dir,
      'echo "WARNING: something harmless" >&2; echo "ERROR: Something odd happened." >&2; exit 1',
    );
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec({ PATH: `${bin}:${home.env.PATH}` });
    assert.match(
      r.stderr,
      /^vsw: ykman failed \(exit code 1\) for profile "base": Something odd happened\. \(VSW_YKMAN_FAILED\)\nhint: Run it by hand/m,
    );
  });

  test("output that is not a 6-digit code: VSW_YKMAN_FAILED, without echoing it", async () => {
    const bin = fakeYkman(home.dir, "echo 'surprise 987'");
    base(`mfa_ykman_account = ${ACCOUNT}`);
    const r = await exec({ PATH: `${bin}:${home.env.PATH}` });
    assert.match(r.stderr, /ykman printed something that is not a 6-digit code .*\(VSW_YKMAN_FAILED\)/);
    assert.doesNotMatch(r.stderr, /surprise/);
  });

  test("a profile not configured for a YubiKey never calls ykman", async () => {
    ykman.set(oneKey());
    const r = await exec();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_MFA_REQUIRED\)/);
    assert.deepEqual(ykman.calls(), []);
  });

  test("mfa_source naming another source wins over mfa_ykman_account: ykman is not called", async () => {
    ykman.set(oneKey());
    base(`mfa_ykman_account = ${ACCOUNT}\nmfa_source = prompt`);
    const r = await exec();
    assert.equal(r.code, 1);
    assert.deepEqual(ykman.calls(), []);
  });
});

describe("the stand-in ykman says what the real one says (yubikey-manager's source)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsw-ykman-"));
  const ykman = ykmanStandIn(dir);
  const env = { ...process.env, ...ykman.env };
  after(() => rmSync(dir, { recursive: true, force: true }));
  const yk = (args: string[]) => run(YKMAN, args, { env });

  test("--version prints ykman's line", async () => {
    ykman.set({ version: "5.9.1" });
    assert.equal((await yk(["--version"])).stdout, "YubiKey Manager (ykman) version: 5.9.1\n");
  });

  test("no YubiKey: empty stdout, the PC/SC warning then ERROR: No YubiKey detected!, exit 1 (5.x)", async () => {
    ykman.set({});
    const r = await yk(["oath", "accounts", "code", "--single", "x"]);
    assert.deepEqual(r, {
      code: 1,
      signal: null,
      stdout: "",
      stderr:
        "WARNING: PC/SC not available. Smart card (CCID) protocols will not function.\nERROR: No YubiKey detected!\n",
    });
  });

  test("no YubiKey as 4.0.9 (Debian 12) says it: Error: prefix, the older warning", async () => {
    ykman.set({ version: "4.0.9" });
    const r = await yk(["oath", "accounts", "code", "--single", "x"]);
    assert.equal(
      r.stderr,
      "WARNING: PC/SC not available. Smart card protocols will not function.\nError: No YubiKey detected!\n",
    );
  });

  test("--single prints only the code, the same oathtool computes", async (t) => {
    if (!requireTool(t, "oathtool")) return;
    ykman.set(oneKey());
    const r = await yk(["oath", "accounts", "code", "--single", ACCOUNT]);
    // The secret on stdin ("-"), never in argv.
    const expected = await run("oathtool", ["--totp", "-b", "-"], { env, input: MFA_SECRET });
    assert.equal(r.stdout, expected.stdout);
    assert.match(r.stdout, /^\d{6}\n$/);
  });

  test("a query matches case-insensitively by substring; an exact id wins; --device may stand anywhere", async () => {
    ykman.set(
      oneKey([
        { id: "aws:me", secret: MFA_SECRET },
        { id: "aws:me2", secret: MFA_SECRET },
      ]),
    );
    assert.equal((await yk(["oath", "accounts", "code", "--single", "aws:me"])).code, 0);
    assert.equal((await yk(["oath", "accounts", "code", "--single", "ME2", "--device", "12345678"])).code, 0);
  });

  test("several matches with --single: the Error line, a blank line, the ids, exit 1", async () => {
    ykman.set(
      oneKey([
        { id: "aws:a", secret: MFA_SECRET },
        { id: "aws:b", secret: MFA_SECRET },
      ]),
    );
    const r = await yk(["oath", "accounts", "code", "--single", "aws"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "Error: Multiple matches, make the query more specific.\n\naws:a\naws:b\n");
  });

  test("no match, touch timeout, wrong serial: ykman's ERROR lines", async () => {
    ykman.set({ ...oneKey([{ id: "t", secret: MFA_SECRET, touch: true }]), touchTimeoutMs: 100 });
    assert.equal(
      (await yk(["oath", "accounts", "code", "-s", "zz"])).stderr,
      "ERROR: No matching account found.\n",
    );
    assert.equal(
      (await yk(["oath", "accounts", "code", "-s", "t"])).stderr,
      "Touch your YubiKey...\nERROR: Touch account timed out!\n",
    );
    assert.equal(
      (await yk(["--device", "5", "oath", "accounts", "list"])).stderr,
      "ERROR: Failed connecting to a YubiKey with serial: 5.\nMake sure the application has the required permissions.\n",
    );
  });

  test("accounts list prints the ids sorted, hidden ones only with -H", async () => {
    ykman.set(
      oneKey([
        { id: "b", secret: MFA_SECRET },
        { id: "_hidden:h", secret: MFA_SECRET },
        { id: "a", secret: MFA_SECRET },
      ]),
    );
    assert.equal((await yk(["oath", "accounts", "list"])).stdout, "a\nb\n");
    assert.equal((await yk(["oath", "accounts", "list", "-H"])).stdout, "_hidden:h\na\nb\n");
  });
});

/** Runs vsw and calls `act` once its stderr matches `when` (a user reacting to a prompt). */
function runUntil(args: string[], env: NodeJS.ProcessEnv, when: RegExp, act: () => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VSW, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let acted = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!acted && when.test(stderr)) {
        acted = true;
        act();
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A directory holding a `ykman` that runs `script` (for outputs the stand-in does not make). */
function fakeYkman(dir: string, script: string): string {
  const bin = mkdtempSync(join(dir, "bin-"));
  writeFileSync(join(bin, "ykman"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, "ykman"), 0o755);
  return bin;
}
