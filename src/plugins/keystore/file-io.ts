/**
 * Durable, private file writes for the `file` keystore: private directories, atomic replace
 * (temp file + fsync + rename + directory fsync) and cleaning of temp files a killed writer left.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { VswError } from "../../plugin.js";

/** Prefix of temp files; readers skip them, writers remove them once they are {@link TEMP_MAX_AGE_MS} old. */
export const TEMP_PREFIX = ".tmp-";

/** A temp file older than this belongs to a writer that died (a write takes milliseconds). */
export const TEMP_MAX_AGE_MS = 60_000;

/** Creates `dir` (0700) if missing and tightens its mode if it is looser; it must be a directory. */
export function ensurePrivateDir(dir: string): void {
  // Why stat and not lstat: a user may point VSW_FILE_DIR at a symlinked directory on purpose.
  let stats = statSync(dir, { throwIfNoEntry: false });
  if (!stats) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    stats = statSync(dir);
  }
  if (!stats.isDirectory()) {
    throw new VswError("VSW_KEYSTORE_UNAVAILABLE", `The file keystore path "${dir}" is not a directory.`, {
      hint: "Point VSW_FILE_DIR at a directory.",
    });
  }
  // Why: item names and expiry times are readable without the passphrase; keep them to the owner.
  if ((stats.mode & 0o077) !== 0 && stats.uid === process.getuid?.()) chmodSync(dir, 0o700);
}

/**
 * Replaces `file` atomically with `data` (mode 0600): readers see the old or the new content, never
 * a mix, even if the process is killed. `durable` adds fsyncs so a power cut loses nothing either
 * (not needed on a RAM file system).
 */
export function atomicWrite(file: string, data: string, durable = true): void {
  const dir = dirname(file);
  const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
  const fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    try {
      writeFileSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  if (durable) fsyncDir(dir);
}

/** Flushes a directory entry change (rename, unlink) to disk. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the rename itself is still atomic.
    if (!["EISDIR", "EINVAL", "EPERM", "EACCES", "ENOTSUP"].includes(errorCode(error) ?? "")) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes temp files older than {@link TEMP_MAX_AGE_MS} (left by a killed writer). */
export function cleanTemps(dir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const file = join(dir, name);
    try {
      if (now - lstatSync(file).mtimeMs > TEMP_MAX_AGE_MS) unlinkSync(file);
    } catch {
      // Another writer cleaned it first.
    }
  }
}

/** Unlinks a file, ignoring every error; whether it was removed. */
export function removeQuietly(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The `code` of a Node system error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A file's text, or `undefined` when it does not exist (any other failure is thrown). */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
