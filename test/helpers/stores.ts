/**
 * The three built-in keystores opened the same way, for the shared behaviour suite and its child
 * processes: `file` in a temp dir, `keychain` on a private gnome-keyring, `pass` on a throwaway
 * GPG key. Each world's `env` also goes to child processes; `options` is JSON-safe.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Keystore } from "../../src/core/types.js";
import { openFileStore } from "../../src/plugins/keystore/file.js";
import { openKeychainStore } from "../../src/plugins/keystore/keychain.js";
import { openPassStore } from "../../src/plugins/keystore/pass.js";
import { startPassWorld } from "./pass-world.js";
import { startSecretService } from "./secret-service.js";

export type StoreKind = "file" | "keychain" | "pass";

/** A running store: what opens it, the environment of its processes, the dirs to search for secrets. */
export interface StoreWorld {
  kind: StoreKind;
  options: Record<string, string>;
  env: Record<string, string>;
  /** Directories where the store keeps its data (searched for plaintext secrets). */
  dataDirs: string[];
  close(): Promise<void>;
}

/** Opens a store of `kind` as described by `options` (from a `StoreWorld`). */
export async function openStore(kind: StoreKind, options: Record<string, string>): Promise<Keystore> {
  if (kind === "file") {
    return openFileStore({
      dir: options.dir,
      passphrase: options.passphrase,
      kdf: { N: 2 ** 14 },
      unlockTtlSeconds: 0,
      lockTimeoutMs: 30_000,
      env: {},
    });
  }
  if (kind === "keychain") {
    // @napi-rs/keyring reads the bus address of the process itself.
    process.env.DBUS_SESSION_BUS_ADDRESS = options.DBUS_SESSION_BUS_ADDRESS;
    return openKeychainStore({ env: options, service: options.service });
  }
  return openPassStore({ env: options });
}

/** Starts the world a store of `kind` needs. */
export async function startStore(kind: StoreKind): Promise<StoreWorld> {
  if (kind === "file") {
    const dir = mkdtempSync(join(tmpdir(), "vsw-shared-file-"));
    return {
      kind,
      options: { dir: join(dir, "store"), passphrase: "shared-suite-passphrase" },
      env: {},
      dataDirs: [dir],
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (kind === "keychain") {
    const world = await startSecretService();
    return {
      kind,
      options: { ...world.env, service: "vsw-shared" },
      env: world.env,
      dataDirs: [world.env.XDG_DATA_HOME as string],
      close: () => world.close(),
    };
  }
  const world = await startPassWorld();
  return {
    kind,
    options: world.env,
    env: world.env,
    dataDirs: [world.storeDir, world.gnupgHome],
    close: () => world.close(),
  };
}
