/**
 * The wrappers under the user's own shell settings, in real shells: bash `set -eu`, an unusual
 * IFS, an alias named vsw, zsh's KSH_ARRAYS and a compinit that runs late; and auto-refresh with a
 * VSW_REFRESH_MINUTES above the cache's own 5-minute margin.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  addBaseKeys,
  type Home,
  requireTool,
  run,
  runVsw,
  startWorld,
  type World,
} from "./helpers/harness.js";
import {
  type Install,
  installRcLine,
  makeInstall,
  rcFile,
  runShell,
  shellEnv,
  shellHome,
  startTmux,
  switchVariables,
  type Tmux,
  WRAPPED_SHELLS,
  type WrappedShell,
} from "./shell-support.js";

let world: World;
let install: Install;
let home: Home;
let tmux: Tmux | undefined;

before(async () => {
  world = await startWorld();
  install = makeInstall();
  home = shellHome();
  home.writeConfig(world.config);
  await addBaseKeys(home, world);
  for (const shell of WRAPPED_SHELLS) await installRcLine(home, install, shell);
  // The MFA'd base session (8 h) is cached: every later role is minted without a code.
  const warm = await runVsw(["env", "dev", "--mfa-token", world.code()], { env: shellEnv(home, install) });
  assert.equal(warm.code, 0, warm.stderr);
});
after(async () => {
  tmux?.kill();
  await world?.emu.close();
  install?.cleanup();
  home?.cleanup();
});

const out = (name: string) => join(home.dir, `robust-${name}`);
const now = () => Math.floor(Date.now() / 1000);
const envOf = (name: string) => switchVariables(readFileSync(out(name), "utf8"));

/** Shell code that fakes a session of prod's with `seconds` left, so the refresh check fires. */
function expiringSoon(shell: WrappedShell, seconds: number): string {
  const when = now() + seconds;
  return shell === "fish"
    ? `set -gx VSW_PROFILE prod; set -gx VSW_REGION us-east-2; set -gx VSW_EXPIRATION ${when}`
    : `export VSW_PROFILE=prod VSW_REGION=us-east-2 VSW_EXPIRATION=${when}`;
}

describe("bash with set -eu", () => {
  test("vsw_prompt, vsw_prompt -v, auto-refresh, a switch and vsw off all leave the shell running", async (t) => {
    if (!requireTool(t, "bash")) return;
    const result = await runShell(
      "bash",
      home,
      install,
      [
        "set -eu",
        `export VSW_PROFILE=prod VSW_ACCOUNT_ID=333333333333 VSW_EXPIRATION=$((EPOCHSECONDS + 600))`,
        "vsw_prompt; echo",
        'vsw_prompt -v PS; echo "[$PS_color]"',
        "VSW_PROMPT_FORMAT='%r %p' vsw_prompt; echo",
        "unset VSW_PROFILE; vsw_prompt; __vsw_auto_refresh; __vsw_debug",
        "vsw dev; vsw off",
        "echo alive",
      ].join("\n"),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /prod 333333333333 \d+m/);
    assert.match(result.stdout, /\[yellow\]/);
    assert.match(result.stdout, /alive\n$/);
  });
});

for (const shell of ["bash", "zsh"] as const) {
  describe(`${shell} with an unusual IFS`, () => {
    for (const ifs of ["-", "", "e"]) {
      test(`In ${shell} with IFS=${JSON.stringify(ifs)}, auto-refresh switches prod again`, async (t) => {
        if (!requireTool(t, shell)) return;
        const result = await runShell(
          shell,
          home,
          install,
          [
            expiringSoon(shell, 60),
            "export VSW_AUTO_REFRESH=1",
            `IFS='${ifs}'`,
            "__vsw_auto_refresh",
            `env -0 > '${out(`${shell}-ifs`)}'`,
          ].join("\n"),
        );
        assert.equal(result.code, 0, result.stderr);
        const env = envOf(`${shell}-ifs`);
        assert.equal(env.get("AWS_REGION"), "us-east-2");
        assert.ok(Number(env.get("VSW_EXPIRATION")) - now() > 600, "the session was not switched again");
      });
    }
  });
}

for (const shell of WRAPPED_SHELLS) {
  test(`An alias named vsw, defined before the rc line, does not break ${shell}'s wrapper`, async (t) => {
    if (!requireTool(t, shell)) return;
    const alias =
      shell === "fish"
        ? "alias vsw 'echo ALIASED'"
        : shell === "bash"
          ? "shopt -s expand_aliases\nalias vsw='echo ALIASED'"
          : "alias vsw='echo ALIASED'";
    // The alias exists when the rc line is read: no rc file of the shell's own is loaded first.
    const script = `${alias}\n${readFileSync(rcFile(home, shell), "utf8")}\nvsw dev\nenv -0 > '${out(`${shell}-alias`)}'`;
    const noRc = shell === "bash" ? ["--norc"] : shell === "zsh" ? ["-f"] : ["--no-config"];
    const result = await run(shell, [...noRc, "-c", script], { env: shellEnv(home, install) });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /ALIASED/);
    assert.equal(envOf(`${shell}-alias`).get("VSW_PROFILE"), "dev");
  });
}

/** Auto-refresh with a margin above the cache's own: a 20-minute session under VSW_REFRESH_MINUTES=30. */
for (const shell of WRAPPED_SHELLS) {
  test(`In ${shell}, VSW_REFRESH_MINUTES=30 renews a cached session with 20 minutes left`, async (t) => {
    if (!requireTool(t, shell)) return;
    // A prod session minted "40 minutes ago": 20 minutes left, more than the cache's 5-minute margin.
    world.emu.clock.advance(-(3600 - 1200));
    let short: Map<string, string>;
    try {
      const made = await runShell(
        shell,
        home,
        install,
        `vsw clear prod >/dev/null; vsw prod; env -0 > '${out(`${shell}-short`)}'`,
      );
      assert.equal(made.code, 0, made.stderr);
      short = envOf(`${shell}-short`);
    } finally {
      world.emu.clock.reset();
    }
    const left = Number(short.get("VSW_EXPIRATION")) - now();
    assert.ok(left > 600 && left < 1800, `the short session has ${left} s left`);
    const set =
      shell === "fish"
        ? "set -gx VSW_AUTO_REFRESH 1; set -gx VSW_REFRESH_MINUTES 30"
        : "export VSW_AUTO_REFRESH=1 VSW_REFRESH_MINUTES=30";
    const result = await runShell(
      shell,
      home,
      install,
      `vsw prod\n${set}\n__vsw_auto_refresh\nenv -0 > '${out(`${shell}-renewed`)}'`,
    );
    assert.equal(result.code, 0, result.stderr);
    const renewed = envOf(`${shell}-renewed`);
    assert.ok(Number(renewed.get("VSW_EXPIRATION")) - now() > 3000, "the session was not renewed");
    assert.notEqual(renewed.get("AWS_ACCESS_KEY_ID"), short.get("AWS_ACCESS_KEY_ID"));
  });
}

describe("zsh completion under the user's options (tmux)", () => {
  /** Starts an interactive zsh whose .zshrc is `rc`, then the vsw line. */
  async function zsh(t: TestContext, name: string, before: string, after = ""): Promise<Tmux | undefined> {
    if (!requireTool(t, "zsh") || !requireTool(t, "tmux")) return undefined;
    tmux ??= startTmux();
    const zdot = join(home.dir, `zdot-${name}`);
    mkdirSync(zdot, { recursive: true });
    const line = readFileSync(rcFile(home, "zsh"), "utf8");
    writeFileSync(join(zdot, ".zshrc"), `PS1='$ '\n${before}\n${line}\n${after}\n`);
    tmux.start(name, ["zsh", "-i"], shellEnv(home, install, { ZDOTDIR: zdot }));
    await tmux.waitFor(name, /\$ ?$/);
    return tmux;
  }

  /** Types `line`, presses Tab and returns the last screen line once it changed (or after 15 s). */
  async function complete(tm: Tmux, name: string, line: string): Promise<string> {
    tm.type(name, line, false);
    tm.send(name, "Tab");
    let last = "";
    for (let i = 0; i < 150; i++) {
      last = tm.screen(name).split("\n").pop() ?? "";
      if (last.length > `$ ${line}`.length) break;
      await sleep(100);
    }
    tm.send(name, "C-c");
    return last;
  }

  test("With KSH_ARRAYS set, vsw completes profile names", async (t) => {
    const tm = await zsh(
      t,
      "ksh",
      "setopt ksh_arrays\nautoload -Uz compinit && compinit -u -d ~/.zcompdump-ksh",
    );
    if (!tm) return;
    assert.equal(await complete(tm, "ksh", "vsw pro"), "$ vsw prod");
    assert.doesNotMatch(tm.screen("ksh"), /bad output format|bad math/);
    tm.stop("ksh");
  });

  test("With compinit run after the rc line and after the first prompt, vsw completes profile names", async (t) => {
    const tm = await zsh(t, "late", "");
    if (!tm) return;
    // The first prompt has passed without compinit; a plugin manager (or the user) runs it now.
    tm.type("late", "autoload -Uz compinit && compinit -u -d ~/.zcompdump-late; echo done-compinit");
    await tm.waitFor("late", /^done-compinit$/m);
    assert.equal(await complete(tm, "late", "vsw pro"), "$ vsw prod");
    tm.stop("late");
  });
});
