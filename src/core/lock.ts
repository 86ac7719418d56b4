/**
 * Inter-process locks offered by the core: `vsw.lock(name, fn)` for named locks (the pipeline's
 * mint lock, a plugin's own), and `withFileLock` for a keystore that must lock a file of its own
 * (the `file` keystore's store lock sits beside its store, which may be on a shared file system).
 * A lock is a file created atomically (written to a temp
 * file, then hard-linked into place, so it never exists half-written) holding pid, host, a random
 * token and a timestamp. A holder refreshes the file's mtime as a heartbeat; a waiter breaks the
 * lock when its pid is dead (same host) or the heartbeat stopped, retries with jittered
 * exponential backoff, and gives up with `VSW_KEYSTORE_LOCKED` after a bounded wait.
 */
import { createHash, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { VswError } from "./errors.js";
import type { Env } from "./types.js";

/** This host's name; node:os is loaded here, when a lock is taken, not when vsw starts. */
function hostname(): string {
  return process.getBuiltinModule("node:os").hostname();
}

/** Options of a named lock (`vsw.lock`). */
export interface LockOptions {
  /** How long to wait for the lock before `VSW_KEYSTORE_LOCKED`. Default 120 s: the holder may be waiting for someone's MFA code. */
  timeoutMs?: number;
  /**
   * Called once when the lock has been waited for `waitNoticeMs` (default 1 s), with the holder's
   * pid when known: say why this run waits ("another vsw is asking for the MFA code").
   */
  onWait?: (holderPid: number | undefined) => void;
  /** When `onWait` is called. Default 1000 ms. */
  waitNoticeMs?: number;
}

/** `vsw.lock`: runs `fn` holding the inter-process lock `name` (per user), and returns its result. */
export type LockFunction = <T>(name: string, fn: () => Promise<T>, options?: LockOptions) => Promise<T>;

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the lock before `VSW_KEYSTORE_LOCKED`. */
  timeoutMs: number;
  /** A lock whose heartbeat is older than this is abandoned. Default 30 s. */
  staleMs?: number;
  /** The lock's name in messages. */
  label: string;
  /** See {@link LockOptions.onWait}. */
  onWait?: (holderPid: number | undefined) => void;
  waitNoticeMs?: number;
}

interface Holder {
  pid?: number;
  host?: string;
  token?: string;
  mtimeMs: number;
}

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_NAMED_TIMEOUT_MS = 120_000;
/** Temp files share the `file` keystore's prefix, so its clean-up removes one a crash left in its directory. */
const TEMP_PREFIX = ".tmp-";
/** Longer lock names are hashed, to stay within file-name limits. */
const MAX_PLAIN_NAME = 120;

/**
 * vsw's state directory: `$XDG_STATE_HOME/vsw`, else `$HOME/.local/state/vsw` (the XDG spec says a
 * relative XDG_STATE_HOME is invalid and must be ignored); `undefined` without HOME. Locks, the
 * codes already sent, one-time notices and plugins' own state (TOTP steps) live below it.
 */
export function stateDir(env: Env): string | undefined {
  if (env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)) return join(env.XDG_STATE_HOME, "vsw");
  return env.HOME ? join(env.HOME, ".local", "state", "vsw") : undefined;
}

/**
 * The directory of named locks: `VSW_LOCK_DIR` > `$XDG_STATE_HOME/vsw/locks` >
 * `$HOME/.local/state/vsw/locks`. Why state and not the runtime dir: a lock must be per user and
 * per HOME (two HOMEs are two sets of keystores), and the XDG spec puts such files in state.
 */
export function lockDir(env: Env): string {
  if (env.VSW_LOCK_DIR) return resolvePath(env.VSW_LOCK_DIR);
  const state = stateDir(env);
  if (state) return join(state, "locks");
  throw new VswError("VSW_CONFIG_INVALID", "vsw has no directory for its locks: HOME is not set.", {
    hint: "Set VSW_LOCK_DIR to a directory of your own.",
  });
}

/** Named locks as files in the directory `dir()` gives (asked on first use, created 0700). */
export function namedLocks(dir: () => string): LockFunction {
  return (name, fn, options = {}) => {
    if (typeof name !== "string" || name === "" || name.length > 1024) {
      throw new VswError(
        "VSW_USAGE",
        `Lock name ${JSON.stringify(String(name)).slice(0, 80)} is not valid.`,
        {
          hint: "Name a lock with a non-empty string of at most 1024 characters.",
        },
      );
    }
    const where = dir();
    mkdirSync(where, { recursive: true, mode: 0o700 });
    const plain = encodeURIComponent(name);
    const file =
      plain.length <= MAX_PLAIN_NAME ? plain : `h-${createHash("sha256").update(name).digest("base64url")}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_NAMED_TIMEOUT_MS;
    return withFileLock(
      join(where, `${file}.lock`),
      { timeoutMs, label: name, onWait: options.onWait, waitNoticeMs: options.waitNoticeMs },
      fn,
    );
  };
}
/** Errors that mean no file can be written in the directory now. */
const UNWRITABLE = ["ENOSPC", "EDQUOT", "EROFS"];
/** A `.break` file older than this belongs to a breaker that died. */
const BREAKER_STALE_MS = 5_000;

/** Runs `fn` while holding the lock file `lockPath` (its directory must exist). */
export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  let token: string;
  try {
    token = await acquire(lockPath, options, staleMs);
  } catch (error) {
    // Why: a lock only spares concurrent runs a second MFA prompt. On a full (or read-only) disk no
    // lock file can be written, and refusing would also refuse the session itself: run unlocked.
    if (!UNWRITABLE.includes(errorCode(error) ?? "")) throw error;
    return fn();
  }
  const heartbeat = setInterval(() => touch(lockPath), Math.max(50, staleMs / 3));
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    // Only remove our own lock: if it was broken as stale meanwhile, the file is someone else's.
    if (readHolder(lockPath)?.token === token) removeQuietly(lockPath);
  }
}

async function acquire(lockPath: string, options: FileLockOptions, staleMs: number): Promise<string> {
  const token = randomBytes(16).toString("hex");
  const body = JSON.stringify({ pid: process.pid, host: hostname(), token, time: Date.now() });
  const start = Date.now();
  const deadline = start + options.timeoutMs;
  let noticed = !options.onWait;
  let delay = 4;
  for (;;) {
    if (tryCreate(lockPath, body)) return token;
    const holder = readHolder(lockPath);
    if (holder && isStale(holder, staleMs) && breakStale(lockPath, staleMs)) continue;
    if (Date.now() >= deadline) throw lockedError(lockPath, options.label, holder);
    if (!noticed && Date.now() - start >= (options.waitNoticeMs ?? 1000)) {
      noticed = true;
      options.onWait?.(typeof holder?.pid === "number" ? holder.pid : undefined);
    }
    // Jitter keeps a herd of waiters from retrying in lockstep.
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 100);
  }
}

/** Creates the lock file with its full content in one step; false when it exists. */
function tryCreate(lockPath: string, body: string): boolean {
  const temp = join(dirname(lockPath), `${TEMP_PREFIX}lock-${randomBytes(8).toString("hex")}`);
  try {
    // Inside the try: on a full disk the file is created and the write fails, so it must go too.
    writeFileSync(temp, body, { mode: 0o600, flag: "wx" });
    linkSync(temp, lockPath);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    // File systems without hard links: fall back to O_EXCL (a crash could leave an empty lock,
    // which then goes stale by age).
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP")
      return createExclusive(lockPath, body);
    throw error;
  } finally {
    removeQuietly(temp);
  }
}

function createExclusive(lockPath: string, body: string): boolean {
  try {
    writeFileSync(lockPath, body, { mode: 0o600, flag: "wx" });
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    // Created by this call ("wx") but not written (a full disk): an empty lock would block others.
    removeQuietly(lockPath);
    throw error;
  }
}

function readHolder(lockPath: string): Holder | undefined {
  try {
    const { mtimeMs } = statSync(lockPath);
    const holder: Holder = { mtimeMs };
    try {
      const data = JSON.parse(readFileSync(lockPath, "utf8")) as Record<string, unknown>;
      if (typeof data.pid === "number") holder.pid = data.pid;
      if (typeof data.host === "string") holder.host = data.host;
      if (typeof data.token === "string") holder.token = data.token;
    } catch {
      // Unreadable content: only the heartbeat age can tell.
    }
    return holder;
  } catch {
    return undefined; // Released meanwhile.
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.mtimeMs > staleMs) return true;
  // A pid is only meaningful on its own host (the store may sit on a shared file system).
  return holder.pid !== undefined && holder.host === hostname() && !pidAlive(holder.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM"; // Alive, but another user's.
  }
}

/**
 * Removes a stale lock under a second, short-lived "breaker" lock, re-checking staleness there:
 * without it, two waiters could both see the stale lock, one replace it, and the other then delete
 * the fresh lock. False when another process is breaking it (the caller then backs off).
 */
function breakStale(lockPath: string, staleMs: number): boolean {
  const breaker = `${lockPath}.break`;
  if (!createExclusive(breaker, String(process.pid))) {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) removeQuietly(breaker);
    } catch {
      // Gone already.
    }
    return false;
  }
  try {
    const holder = readHolder(lockPath);
    if (holder && isStale(holder, staleMs)) unlinkSync(lockPath);
  } catch {
    // Removed by its owner meanwhile.
  } finally {
    removeQuietly(breaker);
  }
  return true;
}

function touch(lockPath: string): void {
  try {
    const now = new Date();
    utimesSync(lockPath, now, now);
  } catch {
    // The lock was broken; nothing to refresh.
  }
}

function lockedError(lockPath: string, label: string, holder: Holder | undefined): VswError {
  const who = holder?.pid === undefined ? "another process" : `process ${holder.pid}`;
  return new VswError("VSW_KEYSTORE_LOCKED", `The lock "${label}" is held by ${who}.`, {
    hint: `Wait for the other vsw to finish; if none is running, delete "${lockPath}".`,
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
