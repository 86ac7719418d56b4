/**
 * The keychain as a new user meets it, through the built CLI: the default keystore where a Secret
 * Service runs (add → exec → list → remove → clear against the STS emulator, no secret in plain
 * text anywhere), the file store with a one-time notice where it does not, a file store that holds
 * keys kept as the default, and the locked-keyring and no-D-Bus errors read as a user reads them.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { addKeys, type Home, makeHome, runVsw, startWorld, type World } from "./helpers/harness.js";
import { filesContaining } from "./helpers/plaintext.js";
import {
  requireSecretService,
  type SecretServiceWorld,
  startSecretService,
} from "./helpers/secret-service.js";

/** A HOME whose environment names no keystore (the default choice runs), plus `extra`. */
function defaultHome(world: World, extra: Record<string, string> = {}): Home {
  const home = makeHome(extra);
  delete home.env.VSW_KEYSTORE;
  home.writeConfig(world.config);
  return home;
}

describe("the keychain through the CLI", () => {
  let world: World;
  let secrets: SecretServiceWorld | undefined;
  before(async (t) => {
    world = await startWorld();
    if (requireSecretService(t as never)) secrets = await startSecretService();
  });
  after(async () => {
    await secrets?.close();
    await world?.emu.close();
  });

  test("where a Secret Service runs it is the default: add → exec → list → remove → clear, nothing in plain text", async (t) => {
    if (!secrets) return t.skip("no Secret Service");
    const home = defaultHome(world, { DBUS_SESSION_BUS_ADDRESS: secrets.address });
    try {
      const env = home.env;
      const add = await addKeys(env, world);
      assert.match(add.stdout, /in the keychain keystore/);
      assert.equal(add.stderr, "", "no notice: the keychain is the first choice");
      const exec = await runVsw(
        [
          "exec",
          "dev",
          "--mfa-token",
          world.code(),
          "--",
          "node",
          "-e",
          "process.stdout.write(process.env.AWS_SESSION_TOKEN)",
        ],
        { env },
      );
      assert.equal(exec.code, 0, exec.stderr);
      const token = exec.stdout;
      assert.ok(token.length > 20);
      // A cached switch: no MFA code needed now.
      const cached = await runVsw(["export", "dev"], { env });
      assert.equal(cached.code, 0, cached.stderr);
      assert.equal(JSON.parse(cached.stdout).SessionToken, token);
      const list = await runVsw(["list", "--json"], { env });
      assert.equal(list.code, 0, list.stderr);
      const listed = JSON.stringify(JSON.parse(list.stdout));
      assert.match(listed, /"base"/);
      assert.ok(!listed.includes(world.secretAccessKey) && !listed.includes(token));
      // Nothing of the secret key or the session token in plain text in HOME, the keyring's dir or /tmp.
      for (const needle of [world.secretAccessKey, token]) {
        const found: string[] = [home.dir, secrets.env.XDG_DATA_HOME as string, "/tmp", "/dev/shm"].flatMap(
          (dir) => filesContaining(dir, needle),
        );
        assert.deepEqual(found, []);
      }
      const clear = await runVsw(["clear"], { env });
      assert.equal(clear.code, 0, clear.stderr);
      const remove = await runVsw(["remove", "base", "--force"], { env });
      assert.equal(remove.code, 0, remove.stderr);
      const after = await runVsw(["list", "--credentials"], { env });
      assert.equal(after.stdout, "");
    } finally {
      home.cleanup();
    }
  });

  test("a locked keyring: the error says so and how to unlock, exit 1, nothing written", async (t) => {
    if (!secrets) return t.skip("no Secret Service");
    const home = defaultHome(world, { DBUS_SESSION_BUS_ADDRESS: secrets.address });
    try {
      await addKeys(home.env, world);
      await secrets.lock();
      const exec = await runVsw(["export", "base", "--mfa-token", world.code()], { env: home.env });
      assert.equal(exec.code, 1);
      assert.equal(exec.stdout, "");
      assert.match(exec.stderr, /The keychain is locked and was not unlocked/);
      assert.match(exec.stderr, /VSW_KEYCHAIN_LOCKED/);
      assert.match(exec.stderr, /Unlock the keyring/);
      assert.ok(!exec.stderr.includes(world.secretAccessKey));
      // The names are still listed: listing unlocks nothing and needs nothing unlocked.
      const list = await runVsw(["list", "--credentials"], { env: home.env });
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stdout, "base\n");
    } finally {
      await secrets.stopDaemon();
      await secrets.startDaemon(true);
      const remove = await runVsw(["remove", "base", "--force"], { env: home.env });
      assert.equal(remove.code, 0, remove.stderr);
      home.cleanup();
    }
  });

  test("a file store that holds keys stays the default, with a one-time hint to migrate", async (t) => {
    if (!secrets) return t.skip("no Secret Service");
    const home = makeHome(); // VSW_KEYSTORE=file: keys go to the file store
    home.writeConfig(world.config);
    try {
      await addKeys(home.env, world);
      const env: NodeJS.ProcessEnv = { ...home.env, DBUS_SESSION_BUS_ADDRESS: secrets.address };
      delete env.VSW_KEYSTORE;
      const first = await runVsw(["list", "--credentials"], { env });
      assert.equal(first.stdout, "base\n");
      assert.match(first.stderr, /vsw uses the file keystore, which holds your items/);
      assert.match(first.stderr, /vsw keystore migrate --from file --to keychain/);
      const second = await runVsw(["list", "--credentials"], { env });
      assert.equal(second.stdout, "base\n");
      assert.equal(second.stderr, "", "said once");
      // Named keychain: the missing keys are found in the file store, and the hint says so.
      const named = await runVsw(["--keystore", "keychain", "export", "base"], { env });
      assert.equal(named.code, 1);
      assert.match(named.stderr, /has no long-lived keys in the "keychain" keystore/);
      assert.match(
        named.stderr,
        /The file keystore holds them: use --keystore file, or move them with: vsw keystore migrate --from file --to keychain --profile base/,
      );
    } finally {
      home.cleanup();
    }
  });
});

describe("no keychain here", () => {
  test("without D-Bus the default is the file store, said once on stderr with the reason", async () => {
    const world = await startWorld();
    const home = defaultHome(world);
    try {
      const add = await addKeys(home.env, world);
      assert.match(add.stdout, /in the file keystore/);
      assert.match(add.stderr, /vsw uses the file keystore: the keychain keystore cannot be used here/);
      assert.match(add.stderr, /no D-Bus session bus/);
      assert.match(add.stderr, /vsw keystore list/);
      const again = await runVsw(["list", "--credentials"], { env: home.env });
      assert.equal(again.stdout, "base\n");
      assert.equal(again.stderr, "");
    } finally {
      home.cleanup();
      await world.emu.close();
    }
  });

  test("--keystore keychain without D-Bus fails with VSW_KEYCHAIN_NO_DBUS and a hint", async () => {
    const home = makeHome();
    try {
      const result = await runVsw(["--keystore", "keychain", "list", "--credentials"], { env: home.env });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /The keychain cannot list the items of "vsw"|there is no D-Bus session bus/,
      );
      assert.match(result.stderr, /VSW_KEYCHAIN_NO_DBUS/);
      assert.match(result.stderr, /--keystore file or pass/);
    } finally {
      home.cleanup();
    }
  });
});
