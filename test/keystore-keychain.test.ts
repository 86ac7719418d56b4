/**
 * The `keychain` keystore on a real gnome-keyring in a private D-Bus session: names and expiry
 * times listed without a secret, the Linux store pinned to the Secret Service, and the errors of a
 * missing bus, a missing Secret Service, a locked keyring and a missing collection as a user reads
 * them.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isVswError } from "../src/core/errors.js";
import { type KeyringModule, openKeychainStore, probeKeychain } from "../src/plugins/keystore/keychain.js";
import {
  requireSecretService,
  type SecretServiceWorld,
  startSecretService,
} from "./helpers/secret-service.js";

describe("keychain keystore on gnome-keyring", () => {
  let world: SecretServiceWorld | undefined;
  before(async (t) => {
    if (!requireSecretService(t as never)) return;
    world = await startSecretService();
    // @napi-rs/keyring reads the bus address of the process itself.
    process.env.DBUS_SESSION_BUS_ADDRESS = world.address;
  });
  after(async () => {
    await world?.close();
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
  });

  const store = () => openKeychainStore({ env: world?.env ?? {}, service: "vsw-test" });

  test("keys and sessions round-trip; list gives names and expiry times", async (t) => {
    if (!world) return t.skip("no Secret Service");
    const keystore = store();
    await keystore.open();
    await keystore.set("keys/base", '{"accessKeyId":"AKIA"}');
    await keystore.set("session/sts/base/-", "token-json", { expiresAt: 1_900_000_000_000 });
    assert.equal(await keystore.get("keys/base"), '{"accessKeyId":"AKIA"}');
    assert.equal(await keystore.get("session/sts/base/-"), "token-json");
    assert.deepEqual(await keystore.list(), [
      { name: "keys/base" },
      { name: "session/sts/base/-", expiresAt: 1_900_000_000_000 },
    ]);
    assert.deepEqual(await keystore.list("session/"), [
      { name: "session/sts/base/-", expiresAt: 1_900_000_000_000 },
    ]);
    assert.deepEqual(await keystore.list("keys/"), [{ name: "keys/base" }]);
    // Overwriting without an expiry drops it; a new expiry replaces the old one.
    await keystore.set("session/sts/base/-", "token-2", { expiresAt: 1_900_000_001_000 });
    assert.deepEqual(await keystore.list("session/"), [
      { name: "session/sts/base/-", expiresAt: 1_900_000_001_000 },
    ]);
    assert.equal(await keystore.delete("session/sts/base/-"), true);
    assert.equal(await keystore.delete("session/sts/base/-"), false);
    assert.equal(await keystore.get("session/sts/base/-"), undefined);
    assert.equal(await keystore.delete("keys/base"), true);
    assert.deepEqual(await keystore.list(), []);
  });

  test("listing on a locked keyring reads names without unlocking it", async (t) => {
    if (!world) return t.skip("no Secret Service");
    const keystore = store();
    await keystore.set("keys/locked", "v");
    await world.lock();
    assert.deepEqual(await keystore.list("keys/"), [{ name: "keys/locked" }]);
    const status = await probeKeychain({ env: world.env });
    assert.equal(status.usable, true);
    assert.match(status.reason ?? "", /locked/);
    // Reading a value needs the unlock prompt, which cannot be shown here: a clear error.
    await assert.rejects(keystore.get("keys/locked"), (error: unknown) => {
      assert.ok(isVswError(error, "VSW_KEYCHAIN_LOCKED"), String(error));
      assert.match(error.message, /locked/);
      assert.match(error.hint ?? "", /Unlock the keyring/);
      return true;
    });
    // A restarted daemon shows only hashes of a locked keyring's names: vsw says so, unlocks nothing.
    await world.stopDaemon();
    await world.startDaemon(false);
    await assert.rejects(keystore.list("keys/"), (error: unknown) =>
      isVswError(error, "VSW_KEYCHAIN_LOCKED"),
    );
    await world.stopDaemon();
    await world.startDaemon(true);
    assert.equal(await keystore.get("keys/locked"), "v");
    await keystore.delete("keys/locked");
  });
});

describe("keychain keystore errors", () => {
  test("no D-Bus session bus: VSW_KEYCHAIN_NO_DBUS, never the kernel keyring", async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    try {
      const keystore = openKeychainStore({ env: {} });
      await assert.rejects(keystore.open(), (error: unknown) => {
        assert.ok(isVswError(error, "VSW_KEYCHAIN_NO_DBUS"), String(error));
        assert.match(error.message, /no D-Bus session bus/);
        assert.match(error.hint ?? "", /--keystore file/);
        return true;
      });
      await assert.rejects(keystore.set("keys/x", "v"), (error: unknown) =>
        isVswError(error, "VSW_KEYCHAIN_NO_DBUS"),
      );
      const status = await probeKeychain({ env: {} });
      assert.equal(status.usable, false);
      assert.equal(status.code, "VSW_KEYCHAIN_NO_DBUS");
    } finally {
      if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });

  test("every entry is pinned to the Secret Service on Linux, so no D-Bus never means the kernel keyring", async () => {
    // This machine's container blocks the kernel keyring, so the library's silent fallback cannot be
    // shown here; what vsw asks of the library is recorded instead.
    const seen: unknown[] = [];
    class RecordingEntry {
      constructor(service: string, account: string, options: unknown) {
        seen.push({ service, account, options });
      }
      async getPassword() {
        return "v";
      }
      async setPassword() {}
      async deletePassword() {
        return true;
      }
    }
    const keyring = { AsyncEntry: RecordingEntry } as unknown as KeyringModule;
    const keystore = openKeychainStore({ env: {}, keyring, platform: "linux" });
    await keystore.get("keys/a");
    await keystore.set("session/sts/a/-", "v");
    await keystore.delete("keys/a");
    const pinned = { linux: { store: "secret-service" } };
    assert.deepEqual(seen, [
      { service: "vsw-keys", account: "keys/a", options: pinned },
      { service: "vsw-sessions", account: "session/sts/a/-", options: pinned },
      { service: "vsw-keys", account: "keys/a", options: pinned },
    ]);
  });

  test("a platform without a keychain binding: VSW_KEYCHAIN_UNSUPPORTED, and it is not offered as usable", async () => {
    const keystore = openKeychainStore({ env: {}, platform: "aix" });
    await assert.rejects(keystore.open(), (error: unknown) => {
      assert.ok(isVswError(error, "VSW_KEYCHAIN_UNSUPPORTED"), String(error));
      assert.match(error.message, /not supported on this platform \(aix /);
      assert.match(error.hint ?? "", /--keystore file/);
      return true;
    });
    await assert.rejects(keystore.get("keys/x"), (error: unknown) =>
      isVswError(error, "VSW_KEYCHAIN_UNSUPPORTED"),
    );
    const status = await probeKeychain({ env: {}, platform: "aix" });
    assert.equal(status.usable, false);
    assert.equal(status.code, "VSW_KEYCHAIN_UNSUPPORTED");
  });

  test("a bus without a Secret Service: VSW_KEYCHAIN_NO_SERVICE", async (t) => {
    if (!requireSecretService(t)) return;
    const world = await startSecretService({ daemon: false });
    try {
      const keystore = openKeychainStore({ env: world.env });
      await assert.rejects(keystore.open(), (error: unknown) => {
        assert.ok(isVswError(error, "VSW_KEYCHAIN_NO_SERVICE"), String(error));
        assert.match(error.message, /no Secret Service runs/);
        return true;
      });
      process.env.DBUS_SESSION_BUS_ADDRESS = world.address;
      await assert.rejects(keystore.get("keys/x"), (error: unknown) =>
        isVswError(error, "VSW_KEYCHAIN_NO_SERVICE"),
      );
    } finally {
      delete process.env.DBUS_SESSION_BUS_ADDRESS;
      await world.close();
    }
  });

  test("a Secret Service without a default collection: VSW_KEYCHAIN_NO_COLLECTION", async (t) => {
    if (!requireSecretService(t)) return;
    // A daemon started without --unlock and no keyring files has no login collection yet.
    const world = await startSecretService({ daemon: false });
    try {
      await world.startDaemon(false);
      const status = await probeKeychain({ env: world.env });
      assert.equal(status.usable, false);
      assert.equal(status.code, "VSW_KEYCHAIN_NO_COLLECTION");
      assert.match(status.reason ?? "", /no default keyring/);
    } finally {
      await world.close();
    }
  });
});
