/**
 * The unlock cache of the `file` keystore: after one scrypt, the master key is kept for a login
 * session in a per-user runtime directory on a RAM file system (as ssh-agent or gpg-agent keep keys
 * in memory), so the hot path (`vsw env prod` on a cached session) costs a few syscalls, not 0.5 s.
 *
 * Security decisions: the directory must be tmpfs/ramfs (a key never reaches a persistent disk),
 * owned by us, not a symlink, mode 0700; the record is 0600, opened with O_NOFOLLOW, expires, and
 * is named after the store's real path and random id so a recreated store never meets an old key.
 */
import { hash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statfsSync,
} from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { Env } from "../../plugin.js";
import { atomicWrite, cleanTemps, removeQuietly } from "./file-io.js";

/** A cached unlock. */
export interface UnlockRecord {
  /** The store's random id. */
  store: string;
  /** Epoch ms of the unlock. */
  unlockedAt: number;
  /** Epoch ms after which the record is ignored. */
  expiresAt: number;
  key: Buffer;
  /** HMAC-SHA256(key, passphrase), to check an explicit passphrase without scrypt. */
  mac: Buffer;
}

/** `statfs` magic numbers of RAM file systems (linux/magic.h). */
const RAM_FS_TYPES = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);
const RECORD_SUFFIX = ".key";

/**
 * The runtime directory for unlock records, or `undefined` when none qualifies (then nothing is
 * cached). The first candidate that is present decides — `$XDG_RUNTIME_DIR/vsw`, else
 * `/run/user/<uid>/vsw`, else `/dev/shm/vsw-<uid>` — and it is used only if it is on tmpfs/ramfs.
 * Why no fall-through: a set XDG_RUNTIME_DIR is the user's statement of where runtime files go.
 */
export function runtimeDir(env: Env, create: boolean): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // Windows: no such directory; unlock every time.
  let base: string;
  let dir: string;
  if (env.XDG_RUNTIME_DIR) {
    base = env.XDG_RUNTIME_DIR;
    dir = join(base, "vsw");
  } else if (existsSync(`/run/user/${uid}`)) {
    base = `/run/user/${uid}`;
    dir = join(base, "vsw");
  } else {
    base = "/dev/shm";
    dir = join(base, `vsw-${uid}`);
  }
  try {
    if (!isAbsolute(base) || !onRam(base)) return undefined;
    if (create) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch {
        // Exists (checked below).
      }
    }
    // lstat: a symlink planted in /dev/shm by someone else is not a directory here.
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || stats.uid !== uid) return undefined;
    if ((stats.mode & 0o077) !== 0) {
      if (!create) return undefined;
      chmodSync(dir, 0o700);
    }
    return onRam(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The record file of a store: keyed by its real path and random id. */
export function recordPath(dir: string, storeRealPath: string, storeId: string): string {
  const digest = hash("sha256", `${storeRealPath}\0${storeId}`, "hex");
  return join(dir, `${digest}${RECORD_SUFFIX}`);
}

/** Reads a record; `undefined` when missing, foreign, malformed or expired (`ttlMs` is the current TTL; an expired record is removed). */
export function readRecord(
  file: string,
  storeId: string,
  now: number,
  ttlMs: number,
): UnlockRecord | undefined {
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile() || stats.uid !== process.getuid?.() || (stats.mode & 0o077) !== 0) return undefined;
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
    const data = JSON.parse(text) as Record<string, unknown>;
    const { store, unlockedAt, expiresAt, key, mac } = data;
    if (store !== storeId || typeof key !== "string" || typeof mac !== "string") return undefined;
    if (typeof unlockedAt !== "number" || typeof expiresAt !== "number") return undefined;
    // Honour a TTL lowered since the unlock, and distrust records from the future. An expired
    // record is removed at once: a key must not outlive its TTL on disk until the next sweep.
    if (now >= expiresAt || now >= unlockedAt + ttlMs) {
      removeQuietly(file);
      return undefined;
    }
    if (unlockedAt > now + 60_000) return undefined;
    const record = {
      store,
      unlockedAt,
      expiresAt,
      key: Buffer.from(key, "base64"),
      mac: Buffer.from(mac, "base64"),
    };
    return record.key.length === 32 && record.mac.length === 32 ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a record (0600, atomic) and sweeps expired records of any store. */
export function writeRecord(file: string, record: UnlockRecord): void {
  const body = JSON.stringify({
    version: 1,
    store: record.store,
    unlockedAt: record.unlockedAt,
    expiresAt: record.expiresAt,
    key: record.key.toString("base64"),
    mac: record.mac.toString("base64"),
  });
  atomicWrite(file, body, false);
  sweep(dirname(file), record.unlockedAt);
}

/** Forgets a record; whether one was there. */
export function removeRecord(file: string): boolean {
  return removeQuietly(file);
}

function sweep(dir: string, now: number): void {
  cleanTemps(dir); // Real clock: temp files carry real mtimes.
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(RECORD_SUFFIX)) continue;
    const file = join(dir, name);
    try {
      const data = JSON.parse(readFileSync(file, "utf8")) as { expiresAt?: unknown };
      if (typeof data.expiresAt === "number" && data.expiresAt <= now) removeQuietly(file);
    } catch {
      // Racing writer or foreign file: leave it.
    }
  }
}

function onRam(dir: string): boolean {
  return RAM_FS_TYPES.has(statfsSync(dir).type >>> 0);
}
