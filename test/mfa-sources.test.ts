/**
 * The choice of MFA source, through the CLI: `mfa_source` of the profile beats `VSW_MFA_SOURCE`,
 * which beats `[vsw] mfa_source` of the vsw config file; an unknown source is refused naming where
 * it was set; a chosen source that cannot answer says so; `vsw plan` names the source that answers;
 * and a run waiting for another's MFA says why. Also the `[vsw]` section's `keystore`.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseVswConfig } from "../src/cli/plugin-config.js";
import { isVswError } from "../src/core/errors.js";
import { namedLocks } from "../src/core/lock.js";
import {
  addBaseKeys,
  type Home,
  MFA_SECRET,
  makeHome,
  ROOT,
  runVsw,
  startWorld,
  type World,
} from "./helpers/harness.js";

const MFA_PROCESS = `node --import tsx ${join(ROOT, "examples", "totp-mfa.mjs")}`;

describe("choosing the MFA source", () => {
  let world: World;
  let home: Home;
  before(async () => {
    world = await startWorld();
    home = makeHome({ VSW_DEMO_TOTP_SECRET: MFA_SECRET });
    home.env.VSW_DEMO_MFA_LOG = join(home.dir, "mfa.log");
    await addBaseKeys(home, world);
  });
  after(async () => {
    home.cleanup();
    await world.emu.close();
  });

  const config = (baseExtra: string) =>
    world.config.replace("[profile base]\n", `[profile base]\nmfa_process = ${MFA_PROCESS}\n${baseExtra}`);
  const vswConfig = (text: string) => {
    const dir = join(home.env.XDG_CONFIG_HOME as string, "vsw");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config"), text);
  };

  test("--mfa-token answers first whatever mfa_source says, and plan shows it", async () => {
    home.writeConfig(config("mfa_source = prompt\n"));
    const plan = await runVsw(["plan", "base", "--mfa-token", "123456"], { env: home.env });
    assert.match(plan.stdout, /via flag/);
    // The code goes to the demo mfa_process's log too, so a later mint there never sends it again.
    const code = world.code();
    appendFileSync(home.env.VSW_DEMO_MFA_LOG as string, `${code}\n`);
    const run = await runVsw(["export", "base", "--mfa-token", code], { env: home.env });
    assert.equal(run.code, 0, run.stderr);
    await runVsw(["clear"], { env: home.env });
  });

  test("without a choice, mfa_process answers before the prompt, and vsw plan says so", async () => {
    home.writeConfig(config(""));
    vswConfig("");
    const plan = await runVsw(["plan", "base"], { env: home.env });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /GetSessionToken {2}MFA arn:aws:iam::111111111111:mfa\/me via process/);
    const run = await runVsw(["export", "base"], { env: home.env });
    assert.equal(run.code, 0, run.stderr);
    await runVsw(["clear"], { env: home.env });
  });

  test("mfa_source = prompt skips mfa_process: with no terminal the error names the sources that need none", async () => {
    home.writeConfig(config("mfa_source = prompt\n"));
    const plan = await runVsw(["plan", "base"], { env: home.env });
    assert.match(plan.stdout, /via prompt/);
    const run = await runVsw(["export", "base"], { env: home.env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /needs an MFA code and there is no terminal to ask on/);
    assert.match(
      run.stderr,
      /mfa_source = totp \(after vsw mfa add base\), mfa_source = ykman, or mfa_process/,
    );
  });

  test("mfa_source = process without an mfa_process is a configuration error", async () => {
    home.writeConfig(world.config.replace("[profile base]\n", "[profile base]\nmfa_source = process\n"));
    const run = await runVsw(["export", "base"], { env: home.env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The MFA source of profile "base" is "process", but it has no mfa_process\./);
    assert.match(run.stderr, /VSW_CONFIG_INVALID/);
  });

  test("an unknown source is refused before anything is asked, naming where it was chosen", async () => {
    home.writeConfig(config("mfa_source = sms\n"));
    const fromProfile = await runVsw(["export", "base"], { env: home.env });
    assert.equal(fromProfile.code, 1);
    assert.match(
      fromProfile.stderr,
      /mfa_source of profile "base" is "sms", which is not an MFA source vsw knows/,
    );
    assert.match(fromProfile.stderr, /Use one of: process, totp, ykman, prompt\./);
    home.writeConfig(config(""));
    const fromEnv = await runVsw(["export", "base"], { env: { ...home.env, VSW_MFA_SOURCE: "sms" } });
    assert.match(fromEnv.stderr, /VSW_MFA_SOURCE is "sms"/);
    vswConfig("[vsw]\nmfa_source = sms\n");
    const fromConfig = await runVsw(["export", "base"], { env: home.env });
    assert.match(fromConfig.stderr, /mfa_source of the vsw config file is "sms"/);
    // The plan refuses it too.
    const plan = await runVsw(["plan", "base"], { env: home.env });
    assert.equal(plan.code, 1);
    vswConfig("");
  });

  test("the profile's mfa_source beats VSW_MFA_SOURCE, which beats the vsw config file", async () => {
    vswConfig("[vsw]\nmfa_source = prompt\n");
    home.writeConfig(config(""));
    assert.match((await runVsw(["plan", "base"], { env: home.env })).stdout, /via prompt/);
    const env = { ...home.env, VSW_MFA_SOURCE: "process" };
    assert.match((await runVsw(["plan", "base"], { env })).stdout, /via process/);
    home.writeConfig(config("mfa_source = prompt\n"));
    assert.match((await runVsw(["plan", "base"], { env })).stdout, /via prompt/);
    vswConfig("");
  });

  test("a role inherits its source's mfa_source when both name the same serial", async () => {
    home.writeConfig(config("mfa_source = prompt\n"));
    const plan = await runVsw(["plan", "prod", "--duration", "2h"], { env: home.env });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /AssumeRole arn:aws:iam::333333333333:role\/prod {2}MFA \S+ via prompt/);
  });

  test("[vsw] keystore names the keystore below --keystore and VSW_KEYSTORE", async () => {
    vswConfig("[vsw]\nkeystore = pass\n");
    const env = { ...home.env };
    delete env.VSW_KEYSTORE;
    const list = await runVsw(["keystore", "list", "--json"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).default.name, "pass");
    assert.equal(JSON.parse(list.stdout).default.how, "the vsw config file");
    const named = await runVsw(["--keystore", "file", "keystore", "list", "--json"], { env });
    assert.equal(JSON.parse(named.stdout).default.name, "file");
    vswConfig("");
  });
});

describe("the [vsw] section of the vsw config file", () => {
  test("takes keystore and mfa_source; an unknown or repeated setting names its line", () => {
    const parsed = parseVswConfig("[vsw]\nkeystore = pass\nmfa_source = totp\n", "/c");
    assert.deepEqual(parsed.settings, { keystore: "pass", mfaSource: "totp" });
    assert.throws(
      () => parseVswConfig("[vsw]\nmfa = totp\n", "/c"),
      (error: unknown) =>
        isVswError(error, "VSW_CONFIG_INVALID") &&
        /line 2: unknown setting "mfa" in \[vsw\]/.test(error.message) &&
        /keystore, mfa_source/.test(error.hint ?? ""),
    );
    assert.throws(
      () => parseVswConfig("[vsw]\nkeystore = a\nkeystore = b\n", "/c"),
      (error: unknown) => isVswError(error, "VSW_CONFIG_INVALID") && /line 3/.test(error.message),
    );
  });
});

describe("a run that waits for another's MFA says why", () => {
  test("onWait is called once, after the notice delay, with the holder's pid", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "vsw-wait-"));
    try {
      const lock = namedLocks(() => dir);
      let release = () => {};
      const holding = lock("mint/x", () => new Promise<void>((resolve) => (release = resolve)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const heard: Array<number | undefined> = [];
      const waiting = lock("mint/x", async () => "done", {
        waitNoticeMs: 200,
        onWait: (pid) => heard.push(pid),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(heard, [], "not before the delay");
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(heard, [process.pid]);
      release();
      await holding;
      assert.equal(await waiting, "done");
      assert.equal(heard.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
