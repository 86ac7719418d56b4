/**
 * The policy example (examples/policy-reason) installed the way a team would, against the STS
 * emulator: as a file named in the vsw config file (with vsw installed beside it for `vsw/plugin`)
 * and as an npm package (`npm pack` + `npm install` in a temporary directory). A refusal must come
 * before any MFA prompt: the emulator's call log stays as it was and no session is cached.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  addBaseKeys,
  type Home,
  makeHome,
  ROOT,
  run,
  runVsw,
  startWorld,
  type World,
} from "./helpers/harness.js";
import { installPackages, packDirectory, packVsw } from "./helpers/plugin-install.js";

const EXAMPLE = join(ROOT, "examples", "policy-reason");

/** `HH:MM` in UTC, `hours` from now. */
function utcClock(hours: number): string {
  const date = new Date(Date.now() + hours * 3600_000);
  return `${String(date.getUTCHours()).padStart(2, "0")}:${String(date.getUTCMinutes()).padStart(2, "0")}`;
}

/** A window that cannot hold the current time: one hour, starting in six. */
const CLOSED = `${utcClock(6)}-${utcClock(7)}`;
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const TOMORROW = DAYS[(new Date().getUTCDay() + 1) % 7] as string;

/** Writes the vsw config file naming the policy plugin by `spec`, with `options` for it. */
function configure(home: Home, spec: string, options: Record<string, string>): void {
  const dir = join(home.env.XDG_CONFIG_HOME as string, "vsw");
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(options).map(([key, value]) => `${key} = ${value}`);
  writeFileSync(join(dir, "config"), `[plugins]\npolicy = ${spec}\n\n[plugin policy]\n${lines.join("\n")}\n`);
}

/** The example copied into a project with vsw installed beside it (node_modules/vsw), as a file. */
function installAsFile(home: Home): string {
  const root = join(home.dir, "team");
  mkdirSync(join(root, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(root, "node_modules", "vsw"), "dir");
  cpSync(EXAMPLE, join(root, "policy-reason"), { recursive: true });
  return join(root, "policy-reason", "index.mjs");
}

describe("examples/policy-reason", () => {
  let world: World;
  let home: Home;
  let plugin: string;
  before(async () => {
    world = await startWorld();
    home = makeHome();
    home.writeConfig(world.config);
    await addBaseKeys(home, world);
    plugin = installAsFile(home);
  });
  after(async () => {
    home.cleanup();
    await world.emu.close();
  });

  /** Runs `vsw env PROFILE` with the policy configured by `options`, and what the emulator saw. */
  async function env(profile: string, options: Record<string, string>, extra: NodeJS.ProcessEnv = {}) {
    configure(home, plugin, { profiles: "prod*", timezone: "UTC", ...options });
    const calls = world.emu.calls.length;
    // A code is at hand for a run the policy allows; a refused run never asks for it.
    const result = await runVsw(["env", profile, "--mfa-token", world.code()], {
      env: { ...home.env, ...extra },
    });
    return { result, calls: world.emu.calls.slice(calls) };
  }

  test("outside the configured hours a guarded profile is refused before any MFA prompt or STS call", async () => {
    const { result, calls } = await env("prod", { hours: CLOSED }, { VSW_REASON: "INC-42" });
    assert.match(result.stderr, /\(POLICY_OUTSIDE_HOURS\)/);
    assert.deepEqual({ code: result.code, calls }, { code: 1, calls: [] });
  });

  test("on a day outside the configured days a guarded profile is refused", async () => {
    const { result, calls } = await env("prod", { days: TOMORROW }, { VSW_REASON: "INC-42" });
    assert.match(result.stderr, /\(POLICY_OUTSIDE_HOURS\)/);
    assert.deepEqual({ code: result.code, calls }, { code: 1, calls: [] });
  });

  test("without VSW_REASON a guarded profile is refused, and nothing is cached", async () => {
    const { result, calls } = await env("prod", { hours: "00:00-24:00" });
    assert.match(result.stderr, /needs a reason in VSW_REASON\. \(POLICY_REASON_REQUIRED\)/);
    assert.deepEqual({ code: result.code, calls }, { code: 1, calls: [] });
    const plan = await runVsw(["plan", "prod"], { env: home.env });
    assert.doesNotMatch(plan.stdout, /cached/);
  });

  test("the reason is sent as the SourceIdentity of the role's AssumeRole", async () => {
    const { result, calls } = await env(
      "prod",
      { hours: "00:00-24:00", days: "Sun-Sat" },
      { VSW_REASON: "INC-42 restore" },
    );
    assert.equal(result.code, 0, result.stderr);
    const assume = calls.find((call) => call.action === "AssumeRole");
    assert.equal(assume?.params.SourceIdentity, "INC-42-restore");
  });

  test("a profile the policy does not guard needs no reason", async () => {
    const { result } = await env("dev", { hours: CLOSED });
    assert.equal(result.code, 0, result.stderr);
  });

  test("a policy without its profiles option stops vsw instead of allowing everything", async () => {
    configure(home, plugin, { hours: "00:00-24:00" });
    const result = await runVsw(["env", "dev"], { env: home.env });
    assert.deepEqual(
      {
        code: result.code,
        stdout: result.stdout,
        why: /POLICY_OPTION_INVALID|"profiles" option/.test(result.stderr),
      },
      { code: 1, stdout: "", why: true },
    );
  });
});

describe("examples/policy-reason installed with npm", () => {
  let world: World;
  let home: Home;
  let installed: ReturnType<typeof installPackages>;
  before(async () => {
    world = await startWorld();
    installed = installPackages([packVsw(), packDirectory(EXAMPLE)]);
    home = makeHome({ VSW_PLUGIN_DIR: installed.dir });
    home.writeConfig(world.config);
    await addBaseKeys(home, world);
    configure(home, "vsw-policy-reason", { profiles: "prod*", hours: CLOSED, timezone: "UTC" });
  });
  after(async () => {
    home.cleanup();
    installed.cleanup();
    await world.emu.close();
  });

  test("vsw plugins lists it with its version and the hooks it taps", async () => {
    const result = await run(process.execPath, [installed.vsw, "plugins", "--json"], { env: home.env });
    const listed = (
      JSON.parse(result.stdout) as Array<{ name: string; version?: string; hooks: string[] }>
    ).find((plugin) => plugin.name === "policy-reason");
    assert.deepEqual(
      {
        version: listed?.version,
        hooks: listed?.hooks.filter((hook) => hook === "plan" || hook === "authorize"),
      },
      { version: "1.0.0", hooks: ["plan", "authorize"] },
    );
  });

  test("the installed vsw refuses a guarded profile outside the hours with no STS call", async () => {
    const calls = world.emu.calls.length;
    const result = await run(process.execPath, [installed.vsw, "env", "prod"], {
      env: { ...home.env, VSW_REASON: "INC-42" },
    });
    assert.match(result.stderr, /\(POLICY_OUTSIDE_HOURS\)/);
    assert.deepEqual({ code: result.code, calls: world.emu.calls.length }, { code: 1, calls });
  });
});
