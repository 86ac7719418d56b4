/**
 * `vsw sandbox`: the built `vsw`, the built emulator (dist/sandbox.js) and a real bash. The
 * sandbox makes its own throwaway directory; the tests' HOME is a throwaway too, never ~/.aws.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openKeychainStore } from "../src/plugins/keystore/keychain.js";
import { makeHome, requireTool, run, runVsw, VSW } from "./helpers/harness.js";
import { requireSecretService, startSecretService } from "./helpers/secret-service.js";

const home = makeHome();
after(() => home.cleanup());

/** Whether process `pid` still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until `pid` has exited after its SIGTERM. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

test("--print-env gives shell code after which vsw exec dev works against the sandbox, and --stop ends it", async (t) => {
  const bash = requireTool(t, "bash");
  if (!bash) return;
  const script = `set -e
eval "$("${process.execPath}" "${VSW}" sandbox --print-env 2>/dev/null)"
echo "dir=$VSW_SANDBOX pid=$(cat "$VSW_SANDBOX/emulator.pid")"
vsw exec dev -- sh -c 'echo "account=$VSW_ACCOUNT_ID token=\${AWS_SESSION_TOKEN:+yes}"'
eval "$(vsw sandbox --stop 2>/dev/null)"
echo "after=\${VSW_SANDBOX-unset} \${AWS_CONFIG_FILE-unset}"
`;
  const r = await run(bash, ["-c", script], { env: home.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^account=222222222222 token=yes$/m);
  assert.match(r.stdout, /^after=unset unset$/m);
  const [, dir, pid] = /^dir=(\S+) pid=(\d+)$/m.exec(r.stdout) ?? [];
  assert.ok(dir && pid, r.stdout);
  assert.equal(existsSync(dir), false, "the sandbox's directory is removed");
  assert.ok(await gone(Number(pid)), "the emulator stopped");
});

test("the subshell is $SHELL in the sandbox: a real bash on stdin switches with vsw dev, and exit removes it all", async (t) => {
  const bash = requireTool(t, "bash");
  if (!bash) return;
  const input = `echo "home=$HOME"
vsw dev
echo "profile=$VSW_PROFILE account=$VSW_ACCOUNT_ID"
vsw exec prod -- printenv VSW_ACCOUNT_ID
exit 7
`;
  const r = await runVsw(["sandbox"], { env: { ...home.env, SHELL: bash }, input });
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /vsw sandbox: a pretend AWS organisation on a local STS emulator/);
  assert.match(r.stdout, /^profile=dev account=222222222222$/m);
  assert.match(r.stdout, /^333333333333$/m);
  const [, sandboxHome] = /^home=(\S+)$/m.exec(r.stdout) ?? [];
  assert.ok(sandboxHome && sandboxHome !== home.dir, r.stdout);
  assert.equal(existsSync(sandboxHome), false, "the throwaway HOME is removed on exit");
});

test("--print-env --shell fish and --stop --shell fish work in a real fish", async (t) => {
  const fish = requireTool(t, "fish");
  if (!fish) return;
  const script = `eval ("${process.execPath}" "${VSW}" sandbox --print-env --shell fish 2>/dev/null | string collect)
set -l dir $VSW_SANDBOX
vsw exec dev -- printenv VSW_ACCOUNT_ID
eval (vsw sandbox --stop --shell fish 2>/dev/null | string collect)
echo "after=$VSW_SANDBOX exists="(test -e $dir; and echo yes; or echo no)`;
  const r = await run(fish, ["--no-config", "-c", script], { env: home.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^222222222222$/m);
  assert.match(r.stdout, /^after= exists=no$/m);
});

test("a --plugin given to vsw sandbox is loaded by every vsw inside it", async (t) => {
  const bash = requireTool(t, "bash");
  if (!bash) return;
  const plugin = join(home.dir, "probe-plugin.mjs");
  writeFileSync(
    plugin,
    `export default { name: "sandbox-probe", apply(vsw) {
  vsw.hooks.format.for("probe").tap("sandbox-probe", (request) => \`probe \${request.profile}\\n\`);
} };
`,
  );
  const r = await runVsw(["sandbox", "--plugin", plugin], {
    env: { ...home.env, SHELL: bash },
    input: "vsw export dev --format probe\nexit\n",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^probe dev$/m);
});

test("--stop outside a sandbox is VSW_SANDBOX_NOT_RUNNING and removes nothing", async () => {
  const r = await runVsw(["sandbox", "--stop"], { env: { ...home.env, VSW_SANDBOX: home.dir } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\(VSW_SANDBOX_NOT_RUNNING\)/);
  assert.ok(existsSync(home.dir));
});

test("vsw sandbox --help says how to use it in a plugin's own tests", async () => {
  const r = await runVsw(["sandbox", "--help"], { env: home.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /In a plugin's own tests/);
  assert.match(r.stdout, /vsw sandbox --print-env/);
  assert.match(r.stdout, /vsw sandbox --stop/);
});

test("on a desktop with a keychain, the sandbox keeps its keys in its own file keystore, never the user's keychain", async (t) => {
  const bash = requireTool(t, "bash");
  if (!bash || !requireSecretService(t)) return;
  const secrets = await startSecretService();
  try {
    const env: NodeJS.ProcessEnv = { ...home.env, DBUS_SESSION_BUS_ADDRESS: secrets.address };
    delete env.VSW_KEYSTORE;
    const script = `set -e
eval "$("${process.execPath}" "${VSW}" sandbox --print-env 2>/dev/null)"
echo "keystore=$VSW_KEYSTORE"
vsw exec dev -- sh -c 'echo "account=$VSW_ACCOUNT_ID"'
eval "$(vsw sandbox --stop 2>/dev/null)"
echo "after=\${VSW_KEYSTORE-unset}"
`;
    const r = await run(bash, ["-c", script], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^keystore=file$/m);
    assert.match(r.stdout, /^account=222222222222$/m);
    assert.match(r.stdout, /^after=unset$/m);
    // Nothing of the sandbox went to the keychain.
    process.env.DBUS_SESSION_BUS_ADDRESS = secrets.address;
    const keychain = openKeychainStore({ env: secrets.env });
    assert.deepEqual(await keychain.list(), []);
  } finally {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    await secrets.close();
  }
});
