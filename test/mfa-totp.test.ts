/**
 * The `totp` MFA source and `vsw mfa`: codes from a TOTP secret in the keystore (RFC 6238 vectors,
 * agreement with oathtool), otpauth:// URIs, the used-step record that keeps a code from being sent
 * twice, and, through the built `vsw` against the STS emulator (which rejects a reused code, as AWS
 * does), a TOTP-only workflow with no terminal, a spent step waited out, concurrent runs sharing one
 * device, the errors a user meets, and the secret never in argv, output or plain text on disk.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isVswError } from "../src/core/errors.js";
import { createVsw } from "../src/core/vsw.js";
import { timeStep, totpCodeAt } from "../src/plugins/mfa/totp-code.js";
import { parseTotpInput, TOTP_DEFAULTS, type TotpSettings } from "../src/plugins/mfa/totp-secret.js";
import { spendTotpCode, stepFile } from "../src/plugins/mfa/totp-steps.js";
import { base32Encode, totp as referenceTotp } from "../src/sandbox/totp.js";
import {
  type Home,
  makeHome,
  type RunResult,
  requireTool,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";
import { RFC6238_SEEDS, RFC6238_VECTORS } from "./helpers/rfc6238.js";
import { startTmux } from "./shell-support.js";

/** The error a call throws, or a failure when it throws none. */
function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(isVswError(error), String(error));
    return { code: String(error.code), message: error.message };
  }
  assert.fail("expected an error");
}

describe("TOTP codes", () => {
  for (const algorithm of ["SHA1", "SHA256", "SHA512"] as const) {
    test(`the RFC 6238 ${algorithm} vectors come out of an otpauth URI with digits=8`, async () => {
      const settings = parseTotpInput(
        `otpauth://totp/RFC:6238?secret=${RFC6238_SEEDS[algorithm]}&digits=8&algorithm=${algorithm}`,
      );
      const column = { SHA1: 1, SHA256: 2, SHA512: 3 }[algorithm];
      for (const row of RFC6238_VECTORS) {
        const [seconds] = row;
        const code = await totpCodeAt(settings, timeStep(seconds * 1000, settings.period));
        assert.equal(code, row[column], `${algorithm} at T=${seconds}`);
      }
    });
  }

  test("codes agree with oathtool at several times, for 6 and 8 digits and each algorithm", async (t) => {
    if (!requireTool(t, "oathtool")) return;
    const secret = base32Encode(randomBytes(20));
    const times = [0, 59, 1_111_111_109, 1_700_000_000, Math.floor(Date.now() / 1000), 4_000_000_000];
    for (const algorithm of ["SHA1", "SHA256", "SHA512"] as const) {
      for (const digits of [6, 8]) {
        const settings: TotpSettings = { secret, digits, period: 30, algorithm };
        for (const seconds of times) {
          // The secret goes to oathtool on stdin ("-"), not in its argv.
          const oath = spawnSync(
            "oathtool",
            [`--totp=${algorithm.toLowerCase()}`, "-b", "-", "-d", String(digits), "--now", `@${seconds}`],
            { input: `${secret}\n`, encoding: "utf8" },
          );
          assert.equal(oath.status, 0, oath.stderr);
          assert.equal(await totpCodeAt(settings, timeStep(seconds * 1000, 30)), oath.stdout.trim());
        }
      }
    }
  });

  test("a 60-second period is honoured: one code for the whole minute", async () => {
    const secret = base32Encode(randomBytes(20));
    const settings = parseTotpInput(`otpauth://totp/x?secret=${secret}&period=60`);
    assert.equal(settings.period, 60);
    const at = (seconds: number) => totpCodeAt(settings, timeStep(seconds * 1000, settings.period));
    assert.equal(await at(1_700_000_040), await at(1_700_000_099));
    assert.equal(await at(1_700_000_040), referenceTotp(secret, 1_700_000_040, { step: 60 }));
  });
});

describe("reading a secret or an otpauth:// URI", () => {
  const secret = base32Encode(randomBytes(20));

  test("a bare base32 secret is upper-cased and stripped of spaces, dashes and padding; AWS's defaults apply", () => {
    const spaced = `${secret
      .toLowerCase()
      .match(/.{1,4}/g)
      ?.join(" ")}==\n`;
    assert.deepEqual(parseTotpInput(spaced), { ...TOTP_DEFAULTS, secret });
  });

  test("a URI's digits, period and algorithm are honoured; its label and issuer are not kept", () => {
    const settings = parseTotpInput(
      `otpauth://totp/Amazon%20Web%20Services:me@111111111111?secret=${secret}&issuer=Amazon%20Web%20Services&digits=8&period=60&algorithm=sha512`,
    );
    assert.deepEqual(settings, { secret, digits: 8, period: 60, algorithm: "SHA512" });
  });

  test("a URI without parameters but the secret means 6 digits, 30 s, SHA1", () => {
    assert.deepEqual(parseTotpInput(`otpauth://totp/me?secret=${secret}`), { ...TOTP_DEFAULTS, secret });
  });

  test("an hotp URI is refused: AWS MFA is time-based", () => {
    const error = thrown(() => parseTotpInput(`otpauth://hotp/me?secret=${secret}&counter=1`));
    assert.equal(error.code, "VSW_TOTP_INVALID");
    assert.match(error.message, /counter-based \(HOTP\)/);
  });

  test("bad base32 is refused without quoting it", () => {
    for (const bad of [
      `${secret.slice(0, 20)}01890189`,
      `${secret}A`,
      "ABCDEFGH",
      `${secret.slice(0, 19)}!`,
    ]) {
      const error = thrown(() => parseTotpInput(bad));
      assert.equal(error.code, "VSW_TOTP_INVALID", bad);
      assert.ok(!error.message.includes(bad.slice(0, 8)), error.message);
    }
    const inUri = thrown(() => parseTotpInput("otpauth://totp/me?secret=not-base32-at-all!"));
    assert.equal(inUri.code, "VSW_TOTP_INVALID");
    assert.doesNotMatch(inUri.message, /not-base32/);
  });

  test("a URI with a bad digits, period or algorithm, or no secret, is refused", () => {
    for (const query of [
      `secret=${secret}&digits=5`,
      `secret=${secret}&digits=eight`,
      `secret=${secret}&period=0`,
      `secret=${secret}&period=-30`,
      `secret=${secret}&algorithm=MD5`,
      "issuer=x",
    ]) {
      assert.equal(
        thrown(() => parseTotpInput(`otpauth://totp/me?${query}`)).code,
        "VSW_TOTP_INVALID",
        query,
      );
    }
  });
});

describe("spending time steps", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "vsw-totp-steps-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A core with a clock of our own; `sleep` moves that clock instead of waiting. */
  function core(startMs: number, name: string) {
    let now = startMs;
    const warnings: string[] = [];
    const sleeps: number[] = [];
    const vsw = createVsw({
      env: { HOME: join(dir, name) },
      now: () => now,
      warn: (line) => warnings.push(line),
    });
    const sleepFake = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };
    return { vsw, warnings, sleeps, sleep: sleepFake, at: (ms: number) => (now = ms) };
  }
  const secret = base32Encode(randomBytes(20));
  const settings: TotpSettings = { ...TOTP_DEFAULTS, secret };
  const SERIAL = "arn:aws:iam::111111111111:mfa/steps";

  test("the first code is the current step's; the record is a 0600 file in a 0700 directory", async () => {
    const start = 1_700_000_020_000; // 10 s into a step
    const c = core(start, "first");
    const code = await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    assert.equal(code, referenceTotp(secret, start / 1000));
    assert.deepEqual(c.sleeps, []);
    const file = stepFile(c.vsw.env, SERIAL);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, "..")).mode & 0o777, 0o700);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).step, timeStep(start, 30));
    assert.ok(!readFileSync(file, "utf8").includes(secret));
  });

  test("a second code in the same step waits for the next step, saying how many seconds are left", async () => {
    const start = 1_700_000_020_000;
    const c = core(start, "second");
    const first = await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    c.at(start + 2_000); // 18 s left in the step
    const second = await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    assert.notEqual(second, first);
    assert.equal(second, referenceTotp(secret, start / 1000 + 30));
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0] ?? "", /already used .*waiting 18 s for the next one/);
    assert.ok((c.sleeps[0] ?? 0) >= 18_000);
  });

  test("a record of a later step than the clock shows is refused, naming the file", async () => {
    const c = core(1_700_000_020_000, "ahead");
    await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    c.at(1_700_000_020_000 - 5 * 60_000); // the clock went back five minutes
    await assert.rejects(spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep }), (error) => {
      assert.ok(isVswError(error));
      assert.equal(error.code, "VSW_TOTP_CLOCK");
      assert.ok(error.hint?.includes(stepFile(c.vsw.env, SERIAL)));
      return true;
    });
  });

  test("a damaged record counts as the current step used: a wait, never a reused code", async () => {
    const c = core(1_700_000_020_000, "damaged");
    await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    writeFileSync(stepFile(c.vsw.env, SERIAL), "{not json");
    const code = await spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep });
    assert.equal(c.warnings.length, 1);
    assert.equal(code, referenceTotp(secret, 1_700_000_020 + 30));
  });

  test("concurrent spenders of one serial in one process get distinct steps", async () => {
    const start = 1_700_000_020_000;
    const c = core(start, "concurrent");
    const codes = await Promise.all(
      [0, 1, 2].map(() => spendTotpCode(c.vsw, SERIAL, settings, { sleep: c.sleep })),
    );
    assert.equal(new Set(codes).size, 3);
  });
});

/** A device of our own in the emulator's world: a random secret, so a search for it finds only our leaks. */
interface Device {
  serial: string;
  secret: string;
  home: Home;
  env: NodeJS.ProcessEnv;
  accessKeyId: string;
  userArn: string;
}

describe("vsw mfa and the totp source against the STS emulator", () => {
  let world: World;
  const devices: Device[] = [];
  const outputs: RunResult[] = [];
  let argvHits: string[] = [];
  let scanning = true;
  let scanner: Promise<void> | undefined;

  /** Runs vsw with no controlling terminal (its own session), keeping its output for the leak check. */
  async function vsw(device: Device, args: string[], input?: string): Promise<RunResult> {
    const r = await runVsw(args, { env: device.env, detached: true, ...(input ? { input } : {}) });
    outputs.push(r);
    return r;
  }

  async function newDevice(name: string, uri = false): Promise<Device> {
    const secret = base32Encode(randomBytes(20));
    const serial = `arn:aws:iam::111111111111:mfa/${name}`;
    const user = world.emu.createUser({
      account: "111111111111",
      name,
      mfa: { serial, secretBase32: secret },
    });
    const home = makeHome();
    const config = world.config.replaceAll("arn:aws:iam::111111111111:mfa/me", serial);
    home.writeConfig(
      `${config}\n[profile strict]\nsource_profile = base\nrole_arn = arn:aws:iam::222222222222:role/dev\nmfa_serial = ${serial}\nmfa_source = totp\nendpoint_url = ${world.emu.url}\n\n[profile plain]\nregion = eu-west-1\n`,
    );
    const device: Device = {
      serial,
      secret,
      home,
      env: home.env,
      accessKeyId: user.accessKeyId,
      userArn: `arn:aws:iam::111111111111:user/${name}`,
    };
    devices.push(device);
    const added = await runVsw(["add", "base", "--env"], {
      env: { ...home.env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
    });
    assert.equal(added.code, 0, added.stderr);
    if (uri) return device;
    const stored = await vsw(device, ["mfa", "add", "base"], `${secret}\n`);
    assert.equal(stored.code, 0, stored.stderr);
    return device;
  }

  /** The emulator's calls since `from` made with `device`'s keys or a session of its user. */
  const callsOf = (device: Device, from: number) =>
    world.emu.calls
      .slice(from)
      .filter((c) => c.accessKeyId === device.accessKeyId || c.callerArn === device.userArn);

  /** Waits until at least `seconds` are left in the current 30 s step. */
  async function withTimeLeft(seconds: number): Promise<void> {
    const left = 30 - ((Date.now() / 1000) % 30);
    if (left < seconds) await sleep(left * 1000 + 100);
  }

  before(async () => {
    world = await startWorld();
    // Every process's argv, polled while the CLI tests run: a secret there is one `ps` shows.
    scanner = (async () => {
      while (scanning) {
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
            // The test's own `tmux send-keys` types a secret the way a person would: not vsw's argv.
            if (argv.startsWith("tmux\0")) continue;
            for (const device of devices) if (argv.includes(device.secret)) argvHits.push(argv);
          } catch {}
        }
        await sleep(20);
      }
    })();
  });
  after(async () => {
    scanning = false;
    await scanner;
    for (const device of devices) device.home.cleanup();
    await world.emu.close();
  });

  describe("each on a device of its own, side by side", { concurrency: true }, () => {
    test("mfa_source = totp with no stored secret fails naming vsw mfa add; nothing reaches STS", async () => {
      const device = await newDevice("no-secret", true);
      const from = world.emu.calls.length;
      const r = await vsw(device, ["export", "strict", "--no-session"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /The MFA source of profile "strict" is "totp", but no TOTP secret of .* is in the file keystore\./,
      );
      assert.match(r.stderr, /\(VSW_TOTP_NOT_STORED\)/);
      assert.match(r.stderr, /hint: Store it with vsw mfa add strict/);
      assert.equal(callsOf(device, from).length, 0);
      const code = await vsw(device, ["mfa", "code", "base"]);
      assert.equal(code.code, 1);
      assert.match(code.stderr, /\(VSW_TOTP_NOT_STORED\)/);
    });

    test("vsw mfa add takes an otpauth URI on stdin; plan says via totp; list shows every MFA profile", async () => {
      const device = await newDevice("uri", true);
      const before = await vsw(device, ["plan", "dev"]);
      assert.match(before.stdout, /no MFA source can answer here/);
      const uri = `otpauth://totp/Amazon%20Web%20Services:uri@111111111111?secret=${device.secret}&issuer=Amazon%20Web%20Services`;
      const stored = await vsw(device, ["mfa", "add", "base"], `${uri}\n`);
      assert.equal(stored.code, 0, stored.stderr);
      assert.match(
        stored.stdout,
        /Stored the TOTP secret of "arn:aws:iam::111111111111:mfa\/uri" \(profile "base"\)/,
      );
      const plan = await vsw(device, ["plan", "dev"]);
      assert.match(plan.stdout, /GetSessionToken {2}MFA arn:aws:iam::111111111111:mfa\/uri via totp/);
      const list = await vsw(device, ["mfa", "list", "--json"]);
      const rows = (JSON.parse(list.stdout) as { profiles: Array<Record<string, unknown>> }).profiles;
      assert.deepEqual(
        rows.map((r) => [r.profile, r.serial, r.source, r.totp]),
        ["base", "dev", "prod", "strict"].map((p) => [p, device.serial, "totp", true]),
      );
      const table = await vsw(device, ["mfa", "list"]);
      assert.match(table.stdout, /^PROFILE +MFA SERIAL +SOURCE +TOTP SECRET$/m);
      assert.match(table.stdout, /^prod +arn:aws:iam::111111111111:mfa\/uri +totp +stored$/m);
      // An --mfa-token of the run answers before the stored secret, as it always does.
      const flagged = await vsw(device, ["plan", "dev", "--mfa-token", "123456"]);
      assert.match(flagged.stdout, /via flag/);
    });

    test("a second add needs --force without a terminal; bad input and 8-digit URIs are refused", async () => {
      const device = await newDevice("replace");
      const again = await vsw(device, ["mfa", "add", "base"], `${device.secret}\n`);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already in the file keystore\. \(VSW_TOTP_EXISTS\)/);
      assert.match(again.stderr, /vsw mfa add base --force/);
      const hotp = await vsw(
        device,
        ["mfa", "add", "base", "--force"],
        `otpauth://hotp/x?secret=${device.secret}&counter=0\n`,
      );
      assert.match(hotp.stderr, /\(VSW_TOTP_INVALID\)/);
      const eight = await vsw(
        device,
        ["mfa", "add", "base", "--force"],
        `otpauth://totp/x?secret=${device.secret}&digits=8\n`,
      );
      assert.match(eight.stderr, /8-digit codes; AWS MFA codes have 6 digits\. \(VSW_TOTP_INVALID\)/);
      const bad = await vsw(device, ["mfa", "add", "base", "--force"], "0123 4567 89AB CDEF\n");
      assert.match(bad.stderr, /not base32: it has characters outside A-Z and 2-7\. \(VSW_TOTP_INVALID\)/);
      const empty = await vsw(device, ["mfa", "add", "base", "--force"], "");
      assert.match(empty.stderr, /Nothing came on stdin/);
      const forced = await vsw(device, ["mfa", "add", "base", "--force"], `${device.secret}\n`);
      assert.equal(forced.code, 0, forced.stderr);
      const unknown = await vsw(device, ["mfa", "add", "nosuch"], `${device.secret}\n`);
      assert.equal(unknown.code, 1);
      const noMfa = await vsw(device, ["mfa", "add", "plain"], `${device.secret}\n`);
      assert.match(
        noMfa.stderr,
        /Profile "plain" has no mfa_serial: it needs no MFA code\. \(VSW_TOTP_NO_SERIAL\)/,
      );
      const remove = await vsw(device, ["mfa", "remove", "dev"]);
      assert.match(remove.stderr, /needs a confirmation on a terminal\. \(VSW_NO_TTY\)/);
      const removed = await vsw(device, ["mfa", "remove", "dev", "--force"]);
      assert.equal(removed.code, 0, removed.stderr);
      const list = await vsw(device, ["mfa", "list", "--json"]);
      assert.ok(
        (JSON.parse(list.stdout) as { profiles: Array<{ totp: boolean }> }).profiles.every((r) => !r.totp),
        list.stdout,
      );
    });

    test("a TOTP-only workflow across roles, run twice in one 30 s step, then again after vsw clear, sends no code twice", async () => {
      const device = await newDevice("workflow");
      await withTimeLeft(20);
      const step = Math.floor(Date.now() / 30_000);
      const from = world.emu.calls.length;
      const round = async () => {
        const dev = await vsw(device, [
          "exec",
          "dev",
          "--",
          "sh",
          "-c",
          'test -n "$AWS_SESSION_TOKEN" && echo ok',
        ]);
        assert.equal(dev.code, 0, dev.stderr);
        assert.equal(dev.stdout.trim(), "ok");
        const prod = await vsw(device, ["export", "prod", "--format", "json"]);
        assert.equal(prod.code, 0, prod.stderr);
        const base = await vsw(device, ["export", "base", "--format", "json"]);
        assert.equal(base.code, 0, base.stderr);
        return [dev, prod, base];
      };
      await round();
      const afterFirst = callsOf(device, from).length;
      const second = await round();
      assert.equal(Math.floor(Date.now() / 30_000), step, "both rounds ran within one step");
      assert.equal(callsOf(device, from).length, afterFirst, "the second round is served from the cache");
      assert.ok(second.every((r) => !/waiting/.test(r.stderr)));
      // The sessions are gone: the next round needs a code, and this step's was sent already.
      assert.equal((await vsw(device, ["clear"])).code, 0);
      const third = await round();
      assert.match(
        third[0]?.stderr ?? "",
        /was already used \(AWS accepts a code once\); waiting \d+ s for the next one/,
      );
      const calls = callsOf(device, from);
      assert.ok(
        calls.every((c) => c.status === 200),
        JSON.stringify(calls),
      );
      const withCode = calls.filter((c) => c.tokenCode);
      assert.equal(withCode.length, 2);
      assert.ok(
        withCode.every((c) => c.action === "GetSessionToken" && c.params.SerialNumber === device.serial),
      );
      assert.equal(calls.filter((c) => c.action === "AssumeRole").length, 4);
    });

    test("vsw mfa code spends the step: a mint in that step waits for the next one, then succeeds", async (t) => {
      const device = await newDevice("spent");
      await withTimeLeft(12);
      const printed = await vsw(device, ["mfa", "code", "base"]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /^\d{6}\n$/);
      if (requireTool(t, "oathtool")) {
        const oath = spawnSync(
          "oathtool",
          ["--totp", "-b", "-", "--now", `@${Math.floor(Date.now() / 1000)}`],
          {
            input: `${device.secret}\n`,
            encoding: "utf8",
          },
        );
        assert.equal(printed.stdout.trim(), oath.stdout.trim());
      }
      const from = world.emu.calls.length;
      const started = Date.now();
      const r = await vsw(device, ["export", "dev", "--no-session", "--format", "json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /vsw: warning: The TOTP code of "arn:aws:iam::111111111111:mfa\/spent" for this 30 s step was already used \(AWS accepts a code once\); waiting \d+ s for the next one\./,
      );
      const waited = Number(/waiting (\d+) s/.exec(r.stderr)?.[1]);
      assert.ok(Date.now() - started >= (waited - 1) * 1000);
      const calls = callsOf(device, from);
      assert.deepEqual(
        calls.map((c) => [c.action, c.tokenCode, c.status]),
        [["AssumeRole", true, 200]],
      );
    });

    test("concurrent runs of two profiles sharing the device each get their own step", async () => {
      const device = await newDevice("shared");
      await withTimeLeft(12);
      const from = world.emu.calls.length;
      const [dev, prod] = await Promise.all([
        vsw(device, ["export", "dev", "--no-session", "--format", "json"]),
        vsw(device, ["export", "prod", "--no-session", "--format", "json"]),
      ]);
      assert.equal(dev?.code, 0, dev?.stderr);
      assert.equal(prod?.code, 0, prod?.stderr);
      const waited = [dev, prod].filter((r) => /waiting \d+ s for the next one/.test(r?.stderr ?? ""));
      assert.equal(waited.length, 1);
      const calls = callsOf(device, from);
      assert.deepEqual(calls.map((c) => [c.action, c.tokenCode, c.status]).sort(), [
        ["AssumeRole", true, 200],
        ["AssumeRole", true, 200],
      ]);
    });

    test("vsw mfa add on a terminal asks for the secret hidden", async (t) => {
      if (!requireTool(t, "tmux") || !requireTool(t, "bash")) return;
      const device = await newDevice("typed", true);
      const tmux = startTmux();
      try {
        tmux.start("mfa", ["bash", "--norc", "--noprofile"], {
          ...device.env,
          PS1: "$ ",
          TERM: "xterm-256color",
        });
        await tmux.waitFor("mfa", /\$ ?$/);
        tmux.type("mfa", `${process.execPath} ${VSW} mfa add base; echo "exit=$?"`);
        await tmux.waitFor(
          "mfa",
          /TOTP secret \(base32\) or otpauth:\/\/ URI of arn:aws:iam::111111111111:mfa\/typed/,
        );
        tmux.type("mfa", device.secret);
        const screen = await tmux.waitFor("mfa", /^exit=\d+$/m);
        assert.match(screen, /^exit=0$/m);
        assert.ok(!screen.includes(device.secret.slice(0, 8)), screen);
      } finally {
        tmux.kill();
      }
      const list = await vsw(device, ["mfa", "list", "--json"]);
      assert.ok((JSON.parse(list.stdout) as { profiles: Array<{ totp: boolean }> }).profiles[0]?.totp);
    });
  });

  test("no secret was in any process's argv, in vsw's output, or in plain text under HOME or /tmp", () => {
    scanning = false;
    assert.ok(devices.length >= 5);
    assert.deepEqual(argvHits, []);
    for (const device of devices) {
      for (const r of outputs) assert.ok(!(r.stdout + r.stderr).includes(device.secret));
      const found = spawnSync(
        "grep",
        [
          "-rlF",
          "-s",
          "--exclude-dir=node_modules",
          "-e",
          device.secret,
          "-e",
          device.secret.toLowerCase(),
          tmpdir(),
          "/dev/shm",
          device.home.dir,
        ],
        { encoding: "utf8" },
      );
      assert.equal(found.stdout, "", `the secret of ${device.serial} is in plain text in:\n${found.stdout}`);
    }
    argvHits = [];
  });
});
