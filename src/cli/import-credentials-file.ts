/**
 * `vsw import credentials-file [--profile P] [--keep]`: moves long-lived keys out of the AWS shared
 * credentials file into the keystore. Order, so that a key is never lost, even to a kill -9: (1) with
 * --keep, a 0600 backup; (2) each pair into the keystore, read back and compared; (3) only then the
 * file rewritten atomically without the moved lines (temp file in the same directory, same mode,
 * fsync, rename, fsync of the directory). Interrupted anywhere, a pair is in the file, the keystore
 * or both.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { VswError } from "../core/errors.js";
import { keysItem } from "../core/items.js";
import { configPaths } from "../plugins/config/aws-config.js";
import { buildVsw, type GlobalArgs } from "./context.js";
import {
  dropLines,
  emptiedHeaders,
  type FileProfile,
  planCredentialsFile,
} from "./import-credentials-plan.js";
import { nameList, refusedError, storeFound, tildePath } from "./import-store.js";
import { printable } from "./report.js";

/** Arguments of `vsw import credentials-file`. */
export interface CredentialsImportArgs extends GlobalArgs {
  profile?: string | undefined;
  keep?: boolean | undefined;
}

/** Runs the import; writes its report on stdout (never a secret). */
export async function importCredentialsFile(args: CredentialsImportArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const { credentialsFile } = configPaths(vsw.env);
  const shown = tildePath(credentialsFile, vsw.env.HOME);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const file = readCredentials(credentialsFile);
  let found = file ? planCredentialsFile(file.bytes, credentialsFile) : [];
  if (args.profile !== undefined) found = found.filter((f) => f.profile === args.profile);
  for (const f of found) if (f.skip) out(`Skipped "${printable(f.profile)}": ${f.skip}.`);
  const refused = found
    .filter((f): f is FileProfile & { refuse: string } => f.refuse !== undefined)
    .map((f) => ({ profile: f.profile, error: notMovable(f.profile, f.refuse, shown) }));
  const movable = found.filter((f) => f.keys !== undefined);
  const keystore = vsw.keystore();
  if (!file || movable.length === 0) {
    if (refused.length === 0) {
      const hasStored = async (item: string) => (await keystore.list(item)).some((i) => i.name === item);
      await nothingToMove(args.profile, shown, hasStored, out);
    }
    return finish(refused);
  }
  await keystore.open();
  const backup = args.keep ? writeBackup(file.real, file.bytes) : undefined;
  const stored: string[] = [];
  const already: string[] = [];
  const lines = new Set<number>();
  for (const f of movable) {
    try {
      const outcome = await storeFound(
        keystore,
        f.keys as NonNullable<FileProfile["keys"]>,
        vsw.now(),
        shown,
      );
      (outcome === "stored" ? stored : already).push(f.profile);
      for (const line of f.lines) lines.add(line);
    } catch (error) {
      if (!(error instanceof VswError) || error.code === "VSW_IMPORT_VERIFY_FAILED") throw error;
      refused.push({ profile: f.profile, error });
    }
  }
  if (lines.size > 0) {
    for (const header of emptiedHeaders(file.bytes, credentialsFile, lines)) lines.add(header);
    replaceFile(file.real, file.bytes, dropLines(file.bytes, lines), shown);
  }
  if (stored.length > 0) {
    out(
      `Moved the keys of ${nameList(stored)} into the ${keystore.name} keystore; removed them from ${shown}.`,
    );
  }
  if (already.length > 0) {
    out(
      `The keys of ${nameList(already)} were already in the ${keystore.name} keystore; removed them from ${shown}.`,
    );
  }
  if (backup) {
    out(
      `Kept a copy of the file as it was in ${tildePath(backup, vsw.env.HOME)} (mode 0600): it holds the keys in plain text; delete it once you no longer need it.`,
    );
  }
  finish(refused);
}

/** Prints the other refusals and throws the run's error, if any (exit 1). */
function finish(refused: { profile: string; error: VswError }[]): void {
  if (refused.length > 1) {
    for (const { error } of refused) process.stderr.write(`vsw: ${error.message} (${error.code})\n`);
  }
  const error = refusedError(refused);
  if (error) throw error;
}

/** What a run with nothing to move says: idempotent on the second run, an error for an unknown --profile. */
async function nothingToMove(
  profile: string | undefined,
  shown: string,
  hasStored: (item: string) => Promise<boolean>,
  out: (line: string) => void,
): Promise<void> {
  if (profile === undefined) {
    out(`No long-lived keys in ${shown}: nothing to move.`);
    return;
  }
  if (await hasStored(keysItem(profile))) {
    out(`No keys of "${printable(profile)}" in ${shown}: nothing to move (the keystore holds its keys).`);
    return;
  }
  throw new VswError("VSW_PROFILE_NOT_FOUND", `Profile "${printable(profile)}" has no keys in ${shown}.`, {
    hint: "Run without --profile to move every key pair the file holds.",
  });
}

function notMovable(profile: string, reason: string, shown: string): VswError {
  return new VswError("VSW_IMPORT_INVALID", `Profile "${printable(profile)}" was not moved: ${reason}.`, {
    hint: `Fix its section in ${shown}, then run the import again.`,
  });
}

/** The file's bytes and the path of the real file (a symlinked credentials file is rewritten at its target). */
function readCredentials(path: string): { real: string; bytes: Buffer } | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) {
      throw new VswError("VSW_CONFIG_INVALID", `The credentials file "${path}" is not a regular file.`, {
        hint: "Point AWS_SHARED_CREDENTIALS_FILE at a regular file.",
      });
    }
    return { real, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/** Writes the 0600 backup beside the file, synced to disk; returns its path. */
function writeBackup(real: string, bytes: Buffer): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const path = `${real}.vsw-backup-${stamp}`;
  // `wx`: never overwrite an earlier backup (a second run in the same second fails instead).
  const fd = openSync(path, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDir(dirname(real));
  return path;
}

/**
 * Replaces the file with `next` atomically: a temp file in the same directory with the original's
 * mode (and owner, where allowed), synced, renamed over the file, then the directory synced. If the
 * file changed since it was read (an editor saved it), nothing is replaced: the keys are then both
 * in the keystore and in the file, and a second run finishes the job.
 */
function replaceFile(real: string, original: Buffer, next: Buffer, shown: string): void {
  const dir = dirname(real);
  removeStaleTemps(dir, basename(real));
  const temp = join(dir, `.${basename(real)}.vsw-${process.pid}-${Date.now()}`);
  const fd = openSync(real, "r");
  const stats = fstatSync(fd);
  closeSync(fd);
  const tempFd = openSync(temp, "wx", 0o600);
  let open = true;
  try {
    fchmodSync(tempFd, stats.mode & 0o7777);
    if (stats.uid !== process.getuid?.()) {
      try {
        fchownSync(tempFd, stats.uid, stats.gid);
      } catch {
        // Another user's file (root running vsw): chown needs privileges we may lack; the mode stays.
      }
    }
    writeAll(tempFd, next);
    fsyncSync(tempFd);
    closeSync(tempFd);
    open = false;
    if (!readFileSync(real).equals(original)) {
      throw new VswError(
        "VSW_IMPORT_FILE_CHANGED",
        `${shown} changed while vsw was importing from it; it was left as it is now.`,
        { hint: "The keys stored so far are in the keystore and still in the file: run the import again." },
      );
    }
    renameSync(temp, real);
  } catch (error) {
    if (open) closeSync(tempFd);
    rmSync(temp, { force: true });
    throw error;
  }
  syncDir(dir);
}

/** Removes the temp files of an import killed before its rename (its process is gone). */
function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}.vsw-`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** fsync of a directory makes a rename or a new file durable; some file systems refuse it (ignored). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}
