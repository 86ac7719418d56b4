/**
 * `vsw exec --server` on a real terminal (tmux): MFA is asked on the terminal only when the cached
 * MFA session is about to end, not for each role session the server mints.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { makeHome, requireTool, runVsw, startWorld, VSW } from "./helpers/harness.js";
import { startTmux } from "./shell-support.js";

const SESSION = "vsw-server";

/** Fetches from the server once, waits for the file `go`, fetches again, and exits. */
const CHILD = `
import { existsSync } from "node:fs";
const get = async (n) => {
  const r = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, {
    headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN },
  });
  console.log("fetch" + n + "=" + r.status);
};
await get(1);
while (!existsSync(process.env.GO)) await new Promise((r) => setTimeout(r, 100));
await get(2);
`;

test("the server asks for MFA on the terminal only once the cached MFA session nears its end", async (t) => {
  if (!requireTool(t, "tmux") || !requireTool(t, "bash")) return;
  const world = await startWorld();
  const home = makeHome();
  const tmux = startTmux();
  try {
    home.writeConfig(world.config);
    const add = await runVsw(["add", "base", "--env"], {
      env: {
        ...home.env,
        AWS_ACCESS_KEY_ID: world.accessKeyId,
        AWS_SECRET_ACCESS_KEY: world.secretAccessKey,
      },
    });
    assert.equal(add.code, 0, add.stderr);
    // The 8 h MFA session is issued so that it has 310 s left on the real clock.
    world.emu.clock.advance(-(8 * 3600 - 310));
    const seed = await runVsw(["export", "dev", "--mfa-token", world.code()], { env: home.env });
    assert.equal(seed.code, 0, seed.stderr);
    // Role sessions from now on have 3 minutes left: the server mints one for every request.
    world.emu.clock.advance(8 * 3600 - 310 - 57 * 60);
    const go = join(home.dir, "go");
    const script = join(home.dir, "child.mjs");
    writeFileSync(script, CHILD);
    tmux.start(SESSION, ["bash", "--norc", "--noprofile"], {
      ...home.env,
      PS1: "$ ",
      TERM: "xterm-256color",
      GO: go,
    });
    await tmux.waitFor(SESSION, /\$ ?$/);
    tmux.type(
      SESSION,
      `${process.execPath} ${VSW} exec --server dev -- ${process.execPath} ${script}; echo "exit=$?"`,
    );
    // A role session minted from the cached MFA session (more than 5 minutes left): no prompt.
    let screen = await tmux.waitFor(SESSION, /fetch1=\d+/);
    assert.match(screen, /fetch1=200/);
    assert.doesNotMatch(screen, /MFA code/);
    // Past 5 minutes left, the MFA session is renewed: the next mint asks on the terminal.
    await sleep(11_000);
    writeFileSync(go, "");
    await tmux.waitFor(SESSION, /MFA code for arn:aws:iam::111111111111:mfa\/me/);
    tmux.type(SESSION, world.code());
    screen = await tmux.waitFor(SESSION, /^exit=\d+$/m);
    assert.match(screen, /fetch2=200/);
    assert.match(screen, /^exit=0$/m);
    assert.equal(screen.match(/MFA code for/g)?.length, 1, "asked once");
    assert.equal(world.emu.successCount("GetSessionToken"), 2, "the seed's and the renewed one");
  } finally {
    tmux.kill();
    await world.emu.close();
    home.cleanup();
  }
});
