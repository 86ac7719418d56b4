/**
 * The prompts a new user meets, on a real pseudo-terminal (tmux): the keystore passphrase (asked
 * twice for a new store, hidden), `vsw add` asking for the keys (the secret hidden), and `vsw
 * remove` asking for confirmation.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Home, makeHome, requireTool, runVsw, VSW } from "./helpers/harness.js";
import { startTmux, type Tmux } from "./shell-support.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const PASSPHRASE = "typed at the prompt";
const SESSION = "vsw-cli";

let home: Home;
let tmux: Tmux | undefined;

before(() => {
  home = makeHome();
  // Nothing in the environment: every answer has to come from the terminal.
  delete home.env.VSW_FILE_PASSPHRASE;
  home.writeConfig("[profile base]\nregion = eu-west-1\n");
});
after(() => {
  tmux?.kill();
  home.cleanup();
});

async function shell(t: import("node:test").TestContext): Promise<Tmux | undefined> {
  if (!requireTool(t, "tmux") || !requireTool(t, "bash")) return undefined;
  if (!tmux) {
    tmux = startTmux();
    tmux.start(SESSION, ["bash", "--norc", "--noprofile"], {
      ...home.env,
      PS1: "$ ",
      TERM: "xterm-256color",
    });
    await tmux.waitFor(SESSION, /\$ ?$/);
  }
  tmux.send(SESSION, "C-l");
  await sleep(200);
  return tmux;
}

test("vsw add of malformed keys on a terminal creates no store and asks for no passphrase", async (t) => {
  const tm = await shell(t);
  if (!tm) return;
  tm.type(SESSION, `${process.execPath} ${VSW} add base; echo "exit=$?"`);
  await tm.waitFor(SESSION, /Access Key ID/);
  tm.type(SESSION, "not-a-key");
  await tm.waitFor(SESSION, /Secret Access Key/);
  tm.type(SESSION, SECRET);
  const screen = await tm.waitFor(SESSION, /^exit=\d+$/m);
  assert.match(screen, /^exit=1$/m);
  assert.match(screen, /\(VSW_KEYS_INVALID\)/);
  assert.doesNotMatch(screen, /passphrase/i);
  assert.equal(existsSync(join(home.dir, ".local", "share", "vsw")), false);
});

test("vsw add on a terminal asks for the keys, then a new passphrase twice, echoing no secret", async (t) => {
  const tm = await shell(t);
  if (!tm) return;
  tm.type(SESSION, `${process.execPath} ${VSW} add base; echo "exit=$?"`);
  await tm.waitFor(SESSION, /Access Key ID/);
  tm.type(SESSION, KEY);
  await tm.waitFor(SESSION, /Secret Access Key/);
  tm.type(SESSION, SECRET);
  await tm.waitFor(SESSION, /New passphrase for the vsw keystore/);
  tm.type(SESSION, PASSPHRASE);
  await tm.waitFor(SESSION, /Repeat the passphrase/);
  tm.type(SESSION, PASSPHRASE);
  const screen = await tm.waitFor(SESSION, /^exit=\d+$/m);
  assert.match(screen, /^exit=0$/m);
  assert.match(screen, /Stored the keys of "base" in the file keystore/);
  assert.ok(!screen.includes(SECRET), "the secret access key is not echoed");
  assert.ok(!screen.includes(PASSPHRASE), "the passphrase is not echoed");
  const list = await runVsw(["list", "--json"], { env: home.env });
  assert.equal((JSON.parse(list.stdout) as { profiles: Array<{ keys: boolean }> }).profiles[0]?.keys, true);
  const keys = await runVsw(["export", "base", "--no-session"], {
    env: { ...home.env, VSW_FILE_PASSPHRASE: PASSPHRASE },
  });
  assert.equal((JSON.parse(keys.stdout) as { SecretAccessKey: string }).SecretAccessKey, SECRET);
});

test("a wrong passphrase at the prompt is asked again, then refused without changing anything", async (t) => {
  const tm = await shell(t);
  if (!tm) return;
  // Forget the unlock of the previous test, so the passphrase is asked.
  assert.equal((await runVsw(["lock"], { env: home.env })).code, 0);
  tm.type(SESSION, `${process.execPath} ${VSW} export base --no-session >/dev/null; echo "exit=$?"`);
  for (let i = 0; i < 3; i++) {
    await tm.waitFor(SESSION, new RegExp(`(Passphrase for the vsw keystore[^\\n]*\\n?[^$]*){${i + 1}}`));
    tm.type(SESSION, "not the passphrase");
    await sleep(700);
  }
  const screen = await tm.waitFor(SESSION, /^exit=\d+$/m);
  assert.match(screen, /Wrong passphrase, try again/);
  assert.match(screen, /\(VSW_KEYSTORE_BAD_PASSPHRASE\)/);
  assert.match(screen, /^exit=1$/m);
});

test("vsw add of a profile with stored keys asks before replacing them and keeps them on no", async (t) => {
  const tm = await shell(t);
  if (!tm) return;
  tm.type(SESSION, `${process.execPath} ${VSW} add base; echo "exit=$?"`);
  await tm.waitFor(SESSION, /Passphrase for the vsw keystore/);
  tm.type(SESSION, PASSPHRASE);
  await tm.waitFor(SESSION, /Replace the keys of "base"/);
  tm.type(SESSION, "n", false);
  const screen = await tm.waitFor(SESSION, /^exit=\d+$/m);
  assert.match(screen, /^exit=1$/m);
  assert.match(screen, /\(VSW_CANCELLED\)/);
  assert.doesNotMatch(screen, /Access Key ID/);
  const keys = await runVsw(["export", "base", "--no-session"], {
    env: { ...home.env, VSW_FILE_PASSPHRASE: PASSPHRASE },
  });
  assert.equal((JSON.parse(keys.stdout) as { AccessKeyId: string }).AccessKeyId, KEY);
});

test("vsw remove asks for confirmation on the terminal and keeps the keys on no", async (t) => {
  const tm = await shell(t);
  if (!tm) return;
  tm.type(SESSION, `${process.execPath} ${VSW} remove base; echo "exit=$?"`);
  await tm.waitFor(SESSION, /Delete the keys of "base"/);
  tm.type(SESSION, "n", false);
  const screen = await tm.waitFor(SESSION, /^exit=\d+$/m);
  assert.match(screen, /^exit=1$/m);
  assert.match(screen, /Nothing was removed/);
  const list = await runVsw(["list", "--json"], { env: home.env });
  assert.equal((JSON.parse(list.stdout) as { profiles: Array<{ keys: boolean }> }).profiles[0]?.keys, true);
});
