/**
 * The `file` keystore itself: one directory (0700) holding `store.json` (KDF parameters, store id,
 * verifier) and one encrypted `<encoded name>.item` file (0600) per item. Reads need no lock (every
 * write is an atomic rename); writes and store creation are serialised by an inter-process lock.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Env, Keystore, KeystoreItem, Terminal } from "../../plugin.js";
import { VswError, withFileLock } from "../../plugin.js";
import { openItem, parseItem, type ScryptCost, sealItem } from "./file-crypto.js";
import { atomicWrite, cleanTemps, errorCode, fsyncDir, readIfExists, TEMP_PREFIX } from "./file-io.js";
import { assertItem, assertName, decodeName, encodeName, ITEM_SUFFIX, isHashed } from "./file-names.js";
import { assertNotOrphaned, forgetUnlock, META_FILE, STORE_LOCK, unlockStore } from "./file-open.js";

/** Options of the `file` keystore (the plugin's options). */
export interface FileKeystoreOptions {
  /** Store directory. Default `VSW_FILE_DIR`, else `$XDG_DATA_HOME/vsw`, else `$HOME/.local/share/vsw`. */
  dir?: string;
  /** Passphrase. Default `VSW_FILE_PASSPHRASE`, else a no-echo prompt on the terminal. */
  passphrase?: string;
  /**
   * scrypt cost of a NEW store (tests lower `N`); an existing store keeps the cost it was created
   * with. Default N = 2^17, r = 8, p = 1.
   */
  kdf?: Partial<ScryptCost>;
  /** Seconds an unlock is remembered. Default `VSW_FILE_UNLOCK_TTL`, else 8 h; 0 disables the cache. */
  unlockTtlSeconds?: number;
  /** Milliseconds a write waits for the store lock. Default 10 s. */
  lockTimeoutMs?: number;
  /** Called once per scrypt run (tests count key derivations with it). */
  onKdf?: () => void;
}

/** Options of {@link openFileStore}: the plugin options plus the context the plugin takes from `vsw`. */
export interface FileStoreOptions extends FileKeystoreOptions {
  /** The environment (`vsw.env`); never `process.env`. Default empty. */
  env?: Env;
  /** Where to prompt (`vsw.terminal`). Default: no terminal. */
  terminal?: Terminal;
  /** Wall clock in epoch ms (`vsw.now`). */
  now?: () => number;
}

/** A `file` keystore. */
export interface FileStore extends Keystore {
  /** The store directory. */
  readonly dir: string;
  /** Forgets the unlocked key (in this process and in the unlock cache); whether a cached unlock was removed. */
  lock(): boolean;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** Opens (lazily: no I/O until a method runs) the `file` keystore described by `options`. */
export function openFileStore(options: FileStoreOptions = {}): FileStore {
  const env = options.env ?? {};
  const dir = resolve(options.dir ?? defaultDir(env));
  const metaFile = join(dir, META_FILE);
  const context = {
    ...options,
    env,
    dir,
    now: options.now ?? Date.now,
    ttlMs: unlockTtlSeconds(options, env) * 1000,
  };
  let master: Buffer | undefined;
  let opening: Promise<Buffer> | undefined;

  const key = (): Promise<Buffer> => {
    if (master) return Promise.resolve(master);
    if (!opening) {
      opening = unlockStore(context).then(
        (unlocked) => {
          master = unlocked;
          opening = undefined;
          return unlocked;
        },
        (error: unknown) => {
          opening = undefined; // A failed unlock may be retried (e.g. after a typo).
          throw error;
        },
      );
    }
    return opening;
  };
  const underStoreLock = <T>(fn: () => Promise<T>): Promise<T> =>
    withFileLock(
      join(dir, STORE_LOCK),
      { timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, label: "store" },
      fn,
    );

  return {
    name: "file",
    dir,
    async open() {
      await key();
    },
    async list(prefix = "") {
      return listItems(dir, prefix);
    },
    async get(name) {
      assertName(name);
      // No store yet: nothing to find, and no reason to ask for a passphrase (items without a
      // store.json are an orphaned store, reported as such rather than as "not found").
      if (!existsSync(metaFile)) {
        assertNotOrphaned(dir);
        return undefined;
      }
      const unlocked = await key();
      const file = itemFile(dir, name);
      const text = readIfExists(file);
      if (text === undefined) return undefined;
      const record = parseItem(text);
      const value = record && openItem(unlocked, name, record);
      if (value === undefined) throw corrupt(name, file);
      return value;
    },
    async set(name, value, meta) {
      const expiresAt = assertItem(name, value, meta);
      const unlocked = await key();
      await underStoreLock(async () => {
        atomicWrite(itemFile(dir, name), JSON.stringify(sealItem(unlocked, name, value, expiresAt)));
        cleanTemps(dir);
      });
    },
    async delete(name) {
      assertName(name);
      if (!existsSync(metaFile)) {
        assertNotOrphaned(dir);
        return false;
      }
      // Unlock first: a wrong passphrase must not be able to remove anything either.
      await key();
      return underStoreLock(async () => {
        try {
          unlinkSync(itemFile(dir, name));
        } catch (error) {
          if (errorCode(error) === "ENOENT") return false;
          throw error;
        }
        fsyncDir(dir);
        return true;
      });
    },
    lock() {
      // Drop, do not zero: a write in flight may still hold the buffer.
      master = undefined;
      return forgetUnlock(context);
    },
  };
}

/** Forgets the cached unlock of the store `options` describe (`vsw lock`); whether one was removed. */
export function lockFileStore(options: FileStoreOptions = {}): boolean {
  return openFileStore(options).lock();
}

/** Names and expiry times from file names and clear headers: no passphrase needed. */
function listItems(dir: string, prefix: string): KeystoreItem[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  const items: KeystoreItem[] = [];
  for (const file of files) {
    if (!file.endsWith(ITEM_SUFFIX) || file.startsWith(TEMP_PREFIX)) continue;
    const encoded = file.slice(0, -ITEM_SUFFIX.length);
    // A name decoded from the file name is filtered before the file is read.
    const plain = decodeName(encoded);
    if (plain !== undefined && !plain.startsWith(prefix)) continue;
    let record: ReturnType<typeof parseItem>;
    try {
      record = parseItem(readFileSync(join(dir, file), "utf8"));
    } catch {
      // Unreadable: still listed by its file name, so `get` can report it as corrupt.
    }
    let name = plain;
    if (name === undefined && isHashed(encoded) && record && encodeName(record.name) === encoded) {
      name = record.name;
    }
    if (name === undefined || !name.startsWith(prefix)) continue; // Not ours, or not asked for.
    items.push(record?.expiresAt === undefined ? { name } : { name, expiresAt: record.expiresAt });
  }
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function itemFile(dir: string, name: string): string {
  return join(dir, `${encodeName(name)}${ITEM_SUFFIX}`);
}

/** Store directory: `VSW_FILE_DIR` > `$XDG_DATA_HOME/vsw` > `$HOME/.local/share/vsw` (XDG Base Directory spec). */
function defaultDir(env: Env): string {
  if (env.VSW_FILE_DIR) return env.VSW_FILE_DIR;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)) return join(env.XDG_DATA_HOME, "vsw");
  if (env.HOME) return join(env.HOME, ".local", "share", "vsw");
  throw new VswError("VSW_KEYSTORE_UNAVAILABLE", "The file keystore has no directory: HOME is not set.", {
    hint: "Set VSW_FILE_DIR to the directory the file keystore should use.",
  });
}

/** Unlock TTL in seconds: option > `VSW_FILE_UNLOCK_TTL` > 8 h. */
function unlockTtlSeconds(options: FileKeystoreOptions, env: Env): number {
  const raw = options.unlockTtlSeconds ?? env.VSW_FILE_UNLOCK_TTL;
  if (raw === undefined || raw === "") return 8 * 60 * 60;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `VSW_FILE_UNLOCK_TTL must be a whole number of seconds, not "${raw}".`,
      {
        hint: "Use e.g. VSW_FILE_UNLOCK_TTL=3600, or 0 to ask for the passphrase every time.",
      },
    );
  }
  return seconds;
}

function corrupt(name: string, file: string): VswError {
  return new VswError("VSW_KEYSTORE_CORRUPT", `Keystore item "${name}" is corrupt or was tampered with.`, {
    hint: `Delete it (the file "${file}") and store it again; other items are not affected.`,
  });
}
