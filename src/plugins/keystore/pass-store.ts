/**
 * The `pass` keystore itself: one pass entry per item under a prefix (default `vsw/`) of the
 * password store, written and read by the real `pass` CLI. Names and expiry live in file names,
 * so `list` and the lookup of `get` read directories only: no gpg, no pass, no passphrase.
 *
 * Writes: `pass insert` makes gpg open its output file with O_TRUNC and write it in place (checked
 * with strace on pass 1.7.4 / gpg 2.2), so a writer killed mid-insert would leave a truncated entry
 * where the old value was. vsw therefore inserts under a temporary entry (`.vsw-tmp-…`, a name it
 * never lists) in the same folder and renames it over the final file (rename(2) is atomic), then
 * removes the item's other entries. pass has no locking, so vsw's writers to one store take a lock
 * file beside the store (`.vsw.lock`): two `set`s of one item cannot remove each other's entry.
 */
import { randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import type { Env, Keystore, KeystoreItem } from "../../plugin.js";
import { VswError, withFileLock } from "../../plugin.js";
import { childEnv } from "../child-env.js";
import {
  decodeComponent,
  ENTRY_SUFFIX,
  type EntryFile,
  encodeComponent,
  encodePath,
  entryFile,
  latest,
  parseEntryFile,
  TEMP_PREFIX,
} from "./pass-names.js";
import { gpgFailed, gpgReason, notInitialised, notInstalled, passFailure, runTool } from "./pass-run.js";

/** Options of the `pass` keystore (the plugin's options). */
export interface PassKeystoreOptions {
  /** Folder of the password store holding vsw's entries. Default `vsw/`; `""` is the store's root. */
  prefix?: string;
}

/** Options of {@link openPassStore}: the plugin options plus the context the plugin takes from `vsw`. */
export interface PassStoreOptions extends PassKeystoreOptions {
  /** The environment (`vsw.env`); never `process.env`. */
  env: Env;
  /** Variables no child may inherit (`vsw.childSecrets`), e.g. VSW_FILE_PASSPHRASE. */
  childSecrets?: Iterable<string>;
  /** Milliseconds a write waits for another vsw writing to the same store. Default 10 s. */
  lockTimeoutMs?: number;
}

/** A `pass` keystore. */
export interface PassStore extends Keystore {
  /** The password store (`PASSWORD_STORE_DIR`, else `~/.password-store`). */
  readonly storeDir: string;
  /** The folder of vsw's entries inside it, without slashes (`vsw`). */
  readonly prefix: string;
}

/** The lock file of vsw's writers, at the store's root (outside the prefix, so never an entry). */
export const LOCK_FILE = ".vsw.lock";

/** Opens (lazily: no I/O until a method runs) the `pass` keystore described by `options`. */
export function openPassStore(options: PassStoreOptions): PassStore {
  const env = options.env;
  const storeDir = resolve(defaultStoreDir(env));
  const prefix = normalisePrefix(options.prefix ?? "vsw/");
  const root = prefix ? join(storeDir, ...prefix.split("/")) : storeDir;
  const childEnvironment = passEnv(env, options.childSecrets ?? [], storeDir);
  let ready = false;

  /** Cheap checks, file system only: pass on PATH, the store initialised. */
  const preflight = (): void => {
    if (ready) return;
    if (!onPath("pass", env.PATH)) throw notInstalled("pass");
    if (recipients(storeDir, root, env).length === 0) throw notInitialised(storeDir);
    ready = true;
  };
  const pass = (args: string[], input?: string | "inherit") =>
    runTool("pass", args, { env: childEnvironment, ...(input === undefined ? {} : { input }) });
  const entryName = (dirParts: string[], file: string): string =>
    [prefix, ...dirParts, file.slice(0, -ENTRY_SUFFIX.length)].filter(Boolean).join("/");
  const underLock = <T>(fn: () => Promise<T>): Promise<T> => {
    mkdirSync(storeDir, { recursive: true, mode: 0o700 });
    return withFileLock(
      join(storeDir, LOCK_FILE),
      { timeoutMs: options.lockTimeoutMs ?? 10_000, label: "pass store" },
      fn,
    );
  };

  return {
    name: "pass",
    storeDir,
    prefix,
    async open() {
      preflight();
      await checkKeys(env, childEnvironment, storeDir, recipients(storeDir, root, env));
    },
    async list(namePrefix = "") {
      preflight();
      return listItems(root, namePrefix);
    },
    async get(name) {
      const parts = encodePath(name);
      preflight();
      const dirParts = parts.slice(0, -1);
      const found = latest(variants(join(root, ...dirParts), parts.at(-1) as string));
      if (!found) return undefined;
      // stdin is vsw's own, so pass derives GPG_TTY from it and pinentry can ask on the terminal.
      const result = await pass(["show", entryName(dirParts, found.file)], "inherit");
      if (result.code === 0) return result.stdout.toString("utf8");
      if (/is not in the password store/.test(result.stderr)) return undefined; // Removed meanwhile.
      throw await readFailure(result, name);
    },
    async set(name, value, meta) {
      const parts = encodePath(name);
      if (typeof value !== "string" || Buffer.from(value, "utf8").toString("utf8") !== value) {
        throw new VswError("VSW_USAGE", `Keystore item "${name}" must be a well-formed string.`);
      }
      const expiresAt = meta?.expiresAt;
      if (expiresAt !== undefined && !(Number.isSafeInteger(expiresAt) && expiresAt >= 0)) {
        throw new VswError(
          "VSW_USAGE",
          `Keystore item "${name}" has an expiry that is not a time in milliseconds.`,
        );
      }
      preflight();
      const dirParts = parts.slice(0, -1);
      const last = parts.at(-1) as string;
      const dir = join(root, ...dirParts);
      const final = entryFile(last, expiresAt);
      await underLock(async () => {
        const temp = `${TEMP_PREFIX}${randomBytes(8).toString("hex")}${ENTRY_SUFFIX}`;
        // The value goes to pass on stdin only; pass hands it to gpg on stdin (`insert -m`).
        const result = await pass(["insert", "-m", "-f", entryName(dirParts, temp)], value);
        if (result.code !== 0) {
          removeQuietly(join(dir, temp));
          throw passFailure(result, `store the item "${name}"`, storeDir, recipients(storeDir, dir, env));
        }
        renameSync(join(dir, temp), join(dir, final));
        // Now the old entries; killed before this, both exist and the latest counts (see latest()).
        for (const old of variants(dir, last)) if (old.file !== final) removeQuietly(join(dir, old.file));
        // Under the lock no other vsw is writing, so any other temporary entry is a crashed writer's.
        for (const file of safeReaddir(dir)) if (file.startsWith(TEMP_PREFIX)) removeQuietly(join(dir, file));
        await gitCommit(storeDir, prefix, childEnvironment, `vsw: store ${name}`);
      });
    },
    async delete(name) {
      const parts = encodePath(name);
      preflight();
      const dirParts = parts.slice(0, -1);
      return underLock(async () => {
        let removed = false;
        for (const entry of variants(join(root, ...dirParts), parts.at(-1) as string)) {
          const result = await pass(["rm", "-f", entryName(dirParts, entry.file)]);
          if (result.code === 0) removed = true;
          else if (!/is not in the password store/.test(result.stderr)) {
            throw passFailure(result, `remove the item "${name}"`, storeDir, []);
          }
        }
        return removed;
      });
    },
  };

  /** The error of a failed `pass show`: on "No secret key", whether the key is absent or locked. */
  async function readFailure(result: Awaited<ReturnType<typeof pass>>, name: string): Promise<VswError> {
    const ids = recipients(storeDir, root, env);
    const reason = gpgReason(result.stderr);
    if (reason && /no secret key/i.test(reason) && (await hasSecretKey(env, childEnvironment, ids))) {
      // gpg --quiet reports a pinentry that failed or was cancelled as "No secret key" too.
      return gpgFailed(`decrypt the item "${name}"`, "the secret key is here but could not be unlocked", ids);
    }
    return passFailure(result, `decrypt the item "${name}"`, storeDir, ids);
  }
}

/** `PASSWORD_STORE_DIR` > `$HOME/.password-store`, as pass does (an empty variable counts as unset). */
function defaultStoreDir(env: Env): string {
  if (env.PASSWORD_STORE_DIR) return env.PASSWORD_STORE_DIR;
  if (env.HOME) return join(env.HOME, ".password-store");
  throw new VswError(
    "VSW_KEYSTORE_UNAVAILABLE",
    "The pass keystore has no password store: HOME is not set.",
    {
      hint: "Set PASSWORD_STORE_DIR to the password store's folder.",
    },
  );
}

function normalisePrefix(raw: string): string {
  const parts = raw.split("/").filter(Boolean);
  if (parts.some((part) => part === "." || part === ".." || part === ".git")) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `The pass keystore prefix "${raw}" is not a folder inside the store.`,
      {
        hint: 'Use a plain folder name such as "vsw/".',
      },
    );
  }
  return parts.join("/");
}

/**
 * The environment of pass and gpg: `vsw.env` less vsw's own secrets (child-env.ts), with the store
 * named explicitly and gpg's messages in English, since vsw reads them (LC_ALL and LANGUAGE would
 * override LC_MESSAGES; LC_ALL's value stays as LC_CTYPE so pinentry keeps the user's charset).
 */
function passEnv(env: Env, secrets: Iterable<string>, storeDir: string): Record<string, string> {
  const out = childEnv(env, secrets);
  if (out.LC_ALL) out.LC_CTYPE = out.LC_ALL;
  delete out.LC_ALL;
  delete out.LANGUAGE;
  out.LC_MESSAGES = "C";
  out.PASSWORD_STORE_DIR = storeDir;
  return out;
}

function onPath(program: string, searchPath: string | undefined): boolean {
  for (const dir of (searchPath ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

/**
 * The gpg ids entries in `dir` are encrypted to, as pass decides: `PASSWORD_STORE_KEY`, else the
 * nearest `.gpg-id` from `dir` up to the store's root. Empty: the store is not initialised.
 */
function recipients(storeDir: string, dir: string, env: Env): string[] {
  if (env.PASSWORD_STORE_KEY) return env.PASSWORD_STORE_KEY.split(/\s+/).filter(Boolean);
  for (let current = dir; ; current = dirname(current)) {
    const text = readText(join(current, ".gpg-id"));
    if (text !== undefined) {
      return text
        .split("\n")
        .map((line) => line.replace(/#.*/, "").trim())
        .filter(Boolean);
    }
    if (current === storeDir || !current.startsWith(storeDir)) return [];
  }
}

/** Every entry of the item whose last encoded component is `last`, in `dir` (file names only). */
function variants(dir: string, last: string): EntryFile[] {
  const out: EntryFile[] = [];
  for (const file of safeReaddir(dir)) {
    if (!file.startsWith(last)) continue;
    const entry = parseEntryFile(file);
    if (entry && encodeComponent(entry.component) === last) out.push(entry);
  }
  return out;
}

/** Names and expiry from the folder tree under the prefix: reads no entry, runs no program. */
function listItems(root: string, namePrefix: string): KeystoreItem[] {
  // Start at the deepest folder the prefix names in full ("session/AssumeRole/" → that folder).
  const fixed = namePrefix.split("/").slice(0, -1);
  let start: string[] = [];
  if (fixed.length > 0 && fixed.every(Boolean)) {
    try {
      start = encodePath(fixed.join("/"));
    } catch {
      return []; // A prefix no item can have.
    }
  }
  const found = new Map<string, KeystoreItem>();
  const walk = (encodedDirs: string[], names: string[]): void => {
    const dir = join(root, ...encodedDirs);
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // Missing (nothing stored yet) or unreadable: nothing of ours there.
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        // .git, .extensions and every foreign folder fail to decode.
        const component = decodeComponent(entry.name);
        if (component !== undefined) walk([...encodedDirs, entry.name], [...names, component]);
        continue;
      }
      const parsed = parseEntryFile(entry.name);
      if (!parsed) continue; // .gpg-id, temporary entries, foreign files.
      const name = [...names, parsed.component].join("/");
      if (!name.startsWith(namePrefix)) continue;
      const item: KeystoreItem =
        parsed.expiresAt === undefined ? { name } : { name, expiresAt: parsed.expiresAt };
      const seen = found.get(name);
      found.set(name, seen ? (latest([seen, item]) as KeystoreItem) : item);
    }
  };
  walk(
    start,
    start.map((part) => decodeComponent(part) as string),
  );
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The gpg pass runs: gpg2 where it exists (as pass chooses), with `PASSWORD_STORE_GPG_OPTS`. */
function gpgCommand(env: Env): { file: string; opts: string[] } {
  return {
    file: onPath("gpg2", env.PATH) ? "gpg2" : "gpg",
    opts: (env.PASSWORD_STORE_GPG_OPTS ?? "").split(/\s+/).filter(Boolean),
  };
}

async function hasSecretKey(
  env: Env,
  childEnvironment: Record<string, string>,
  ids: string[],
): Promise<boolean> {
  const gpg = gpgCommand(env);
  const args = [...gpg.opts, "--batch", "--with-colons", "--list-secret-keys", "--", ...ids];
  const result = await runTool(gpg.file, args, { env: childEnvironment });
  return /^sec:/m.test(result.stdout.toString("utf8"));
}

/**
 * `open`'s check that gpg can encrypt to every recipient and decrypt with one of them, by listing
 * keys: nothing is decrypted, so no passphrase is asked.
 */
async function checkKeys(
  env: Env,
  childEnvironment: Record<string, string>,
  storeDir: string,
  ids: string[],
): Promise<void> {
  const gpg = gpgCommand(env);
  const list = (which: string) =>
    runTool(gpg.file, [...gpg.opts, "--batch", "--with-colons", which, "--", ...ids], {
      env: childEnvironment,
    });
  const what = `use the key of the password store "${storeDir}"`;
  const publicKeys = await list("--list-keys");
  const pubs = keyLines(publicKeys.stdout.toString("utf8"), "pub");
  if (publicKeys.code !== 0 || pubs.length === 0)
    throw gpgFailed(what, gpgReason(publicKeys.stderr) ?? "No public key", ids);
  const unusable = pubs.find((fields) => /[erdi]/.test(fields[1] ?? "") || !(fields[11] ?? "").includes("E"));
  if (unusable) {
    const state =
      unusable[1] === "r" ? "revoked" : unusable[1] === "e" ? "expired" : "without a usable encryption key";
    throw gpgFailed(what, `Unusable public key ${unusable[4]}: ${state}`, ids);
  }
  const secrets = await list("--list-secret-keys");
  if (keyLines(secrets.stdout.toString("utf8"), "sec").length === 0) {
    throw gpgFailed(what, "No secret key", ids);
  }
}

function keyLines(colons: string, kind: string): string[][] {
  return colons
    .split("\n")
    .filter((line) => line.startsWith(`${kind}:`))
    .map((line) => line.split(":"));
}

/**
 * In a store under git (`pass git init`), commits what vsw renamed and removed under its prefix,
 * as pass commits its own changes. Best effort: the entries are already right on disk, and the next
 * write's `git add -A` picks up anything left.
 */
async function gitCommit(storeDir: string, prefix: string, env: Record<string, string>, message: string) {
  if (!existsSync(join(storeDir, ".git"))) return;
  try {
    const scope = prefix || ".";
    const added = await runTool("git", ["-C", storeDir, "add", "-A", "--", scope], { env });
    if (added.code === 0)
      await runTool("git", ["-C", storeDir, "commit", "-q", "-m", message, "--", scope], { env });
  } catch {
    // git missing: pass itself would not commit either.
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
