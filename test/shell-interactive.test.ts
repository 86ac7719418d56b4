/**
 * The wrappers in interactive bash, zsh and fish on a pseudo-terminal (tmux), as a user meets
 * them: the MFA prompt during a switch, a wrong code, the profile picker, and auto-refresh.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { addBaseKeys, type Home, requireTool, startWorld, type World } from "./helpers/harness.js";
import {
  type Install,
  installRcLine,
  makeInstall,
  rcFile,
  removeHome,
  shellEnv,
  shellHome,
  startTmux,
  switchVariables,
  type Tmux,
  WRAPPED_SHELLS,
} from "./shell-support.js";

let world: World;
let install: Install;
let tmux: Tmux | undefined;

before(async () => {
  world = await startWorld();
  install = makeInstall();
});
after(async () => {
  tmux?.kill();
  await world?.emu.close();
  install?.cleanup();
});

/** What each shell reads before the rc line: a plain prompt, and auto-refresh switched on. */
const PRELUDE = {
  bash: "PS1='$ '\nexport VSW_AUTO_REFRESH=1\n",
  zsh: "PS1='$ '\nexport VSW_AUTO_REFRESH=1\n",
  fish: "function fish_greeting; end\nfunction fish_prompt; printf '$ '; end\nset -gx VSW_AUTO_REFRESH 1\n",
};

for (const shell of WRAPPED_SHELLS) {
  describe(`Interactive ${shell}`, () => {
    let home: Home;
    let started = false;
    const file = (name: string) => join(home.dir, `${shell}-${name}`);
    const st = shell === "fish" ? "$status" : "$?";

    before(async () => {
      home = shellHome();
      home.writeConfig(world.config);
      await addBaseKeys(home, world);
      const rc = rcFile(home, shell);
      mkdirSync(join(rc, ".."), { recursive: true });
      writeFileSync(rc, PRELUDE[shell]);
      await installRcLine(home, install, shell);
    });
    after(async () => {
      if (started) tmux?.stop(shell);
      await removeHome(home);
    });

    /** The shell's session, started on first use; undefined (test skipped) without the tools. */
    async function shellSession(t: TestContext): Promise<Tmux | undefined> {
      if (!requireTool(t, shell) || !requireTool(t, "tmux")) return undefined;
      tmux ??= startTmux();
      if (!started) {
        tmux.start(shell, [shell, "-i"], shellEnv(home, install));
        await tmux.waitFor(shell, /\$ ?$/);
        started = true;
      }
      tmux.send(shell, "C-l");
      await sleep(200);
      return tmux;
    }

    /** Runs `env -0 > FILE` in the shell and returns the AWS_/VSW_ variables it saw. */
    async function snapshot(tm: Tmux, name: string): Promise<Map<string, string>> {
      tm.type(shell, `env -0 > ${file(name)}; echo "saved ${name}"`);
      await tm.waitFor(shell, new RegExp(`^saved ${name}$`, "m"));
      return switchVariables(readFileSync(file(name), "utf8"));
    }

    test(`${shell}: a switch asks for the MFA code on the terminal, then switches`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      tm.type(shell, "vsw dev");
      await tm.waitFor(shell, /MFA code for arn:aws:iam::111111111111:mfa\/me/);
      tm.type(shell, world.code());
      await tm.waitFor(shell, /\$ ?$/);
      const env = await snapshot(tm, "dev");
      assert.equal(env.get("VSW_PROFILE"), "dev");
      assert.equal(env.get("VSW_ACCOUNT_ID"), "222222222222");
    });

    test(`${shell}: a wrong MFA code at the prompt fails the switch and keeps the previous credentials`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      const before = await snapshot(tm, "before-wrong");
      // Over an hour, the role is assumed straight from the stored keys with MFA: a prompt, always.
      tm.type(shell, `vsw prod --duration 2h; echo "switch=${st}"`);
      await tm.waitFor(shell, /MFA code for/);
      tm.type(shell, "000000");
      const screen = await tm.waitFor(shell, /switch=\d+/);
      assert.match(screen, /switch=1/);
      assert.match(screen, /VSW_/);
      assert.deepEqual(await snapshot(tm, "after-wrong"), before);
      assert.equal(before.get("VSW_PROFILE"), "dev");
    });

    test(`${shell}: vsw alone opens the picker, typing filters the list, Enter switches`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      tm.type(shell, "vsw");
      await tm.waitFor(shell, /Switch to/);
      tm.type(shell, "pro", false);
      const screen = await tm.waitFor(shell, /❯\s+prod\b/);
      assert.doesNotMatch(screen.slice(screen.lastIndexOf("Switch to")), /\bdev\b/);
      tm.send(shell, "Enter");
      await tm.waitFor(shell, /✔ Switch to/);
      await tm.waitFor(shell, /\$ ?$/);
      const env = await snapshot(tm, "picked");
      assert.equal(env.get("VSW_PROFILE"), "prod");
      assert.equal(env.get("VSW_ACCOUNT_ID"), "333333333333");
    });

    test(`${shell}: Esc in the picker cancels with status 1 and changes nothing`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      const before = await snapshot(tm, "before-cancel");
      tm.type(shell, `vsw; echo "picker=${st}"`);
      await tm.waitFor(shell, /Switch to/);
      tm.send(shell, "Escape");
      await tm.waitFor(shell, /picker=1/);
      assert.deepEqual(await snapshot(tm, "after-cancel"), before);
    });

    test(`${shell}: auto-refresh re-switches quietly before a command when the session is about to expire`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      // A role session minted "58 minutes ago": 2 minutes left, under the 5-minute default.
      world.emu.clock.advance(-(3600 - 120));
      try {
        tm.type(shell, `vsw clear prod; vsw prod; env -0 > ${file("short")}; echo "short done"`);
        await tm.waitFor(shell, /^short done$/m);
      } finally {
        world.emu.clock.reset();
      }
      const short = switchVariables(readFileSync(file("short"), "utf8"));
      const left = Number(short.get("VSW_EXPIRATION")) - Date.now() / 1000;
      assert.ok(left > 0 && left < 300, `the short session has ${left} s left`);
      const refreshed = await snapshot(tm, "refreshed");
      assert.equal(refreshed.get("VSW_PROFILE"), "prod");
      assert.ok(
        Number(refreshed.get("VSW_EXPIRATION")) - Date.now() / 1000 > 3000,
        "the session was not renewed",
      );
      assert.notEqual(refreshed.get("AWS_ACCESS_KEY_ID"), short.get("AWS_ACCESS_KEY_ID"));
      assert.doesNotMatch(tm.screen(shell), /MFA code/);
    });

    test(`${shell}: auto-refresh never prompts; when a new session needs MFA it leaves the shell as it was`, async (t) => {
      const tm = await shellSession(t);
      if (!tm) return;
      const soon =
        shell === "fish"
          ? "set -gx VSW_EXPIRATION (math (__vsw_now) + 60)"
          : "export VSW_EXPIRATION=$((EPOCHSECONDS + 60))";
      tm.type(shell, `vsw clear; ${soon}; echo "cleared"`);
      await tm.waitFor(shell, /^cleared$/m);
      const before = switchVariables(readFileSync(file("refreshed"), "utf8"));
      const after = await snapshot(tm, "no-prompt");
      assert.doesNotMatch(tm.screen(shell), /MFA code/);
      assert.equal(after.get("AWS_ACCESS_KEY_ID"), before.get("AWS_ACCESS_KEY_ID"));
      assert.ok(Number(after.get("VSW_EXPIRATION")) - Date.now() / 1000 < 120, "VSW_EXPIRATION changed");
      assert.ok(existsSync(file("no-prompt")));
    });
  });
}
