/**
 * Unlocking the `file` keystore: create it (under the store lock, so concurrent first writers agree
 * on one salt), or take the key from the unlock cache, or derive it from the passphrase
 * (option > `VSW_FILE_PASSPHRASE` > a no-echo prompt) and check it against the verifier.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { Env, Terminal, TerminalStreams } from "../../plugin.js";
import { VswError, withFileLock } from "../../plugin.js";
import {
  checkVerifier,
  createVerifier,
  DEFAULT_SCRYPT,
  deriveMasterKey,
  type KdfParams,
  kdfWithinLimits,
  newKdfParams,
  passphraseMac,
  type ScryptCost,
  type Sealed,
  validKdf,
} from "./file-crypto.js";
import { atomicWrite, ensurePrivateDir, readIfExists, TEMP_PREFIX } from "./file-io.js";
import { ITEM_SUFFIX } from "./file-names.js";
import { readRecord, recordPath, removeRecord, runtimeDir, writeRecord } from "./file-unlock.js";

/** The store's metadata file. */
export const META_FILE = "store.json";
/** The lock file serialising writes and store creation. */
export const STORE_LOCK = "store.lock";

/** What unlocking needs to know. */
export interface UnlockContext {
  dir: string;
  env: Env;
  now: () => number;
  /** Unlock cache lifetime; 0 disables it. */
  ttlMs: number;
  passphrase?: string;
  terminal?: Terminal;
  kdf?: Partial<ScryptCost>;
  lockTimeoutMs?: number;
  onKdf?: () => void;
}

interface StoreMeta {
  format: "vsw-file-keystore";
  version: 1;
  /** Random id: a recreated store never matches an old unlock record. */
  id: string;
  kdf: KdfParams;
  verifier: Sealed;
}

/** How often a prompted passphrase may be wrong before `VSW_KEYSTORE_BAD_PASSPHRASE`. */
const PROMPT_TRIES = 3;

/** Returns the master key of the store, creating the store if it does not exist yet. */
export async function unlockStore(ctx: UnlockContext): Promise<Buffer> {
  // An empty VSW_FILE_PASSPHRASE is treated as unset, as shells make "set but empty" easy by accident.
  const explicit = ctx.passphrase ?? (ctx.env.VSW_FILE_PASSPHRASE || undefined);
  const meta = readMeta(ctx.dir);
  if (meta) {
    ensurePrivateDir(ctx.dir); // Tightens a loosened mode.
    const cached = fromCache(ctx, meta, explicit);
    if (cached) return cached;
    if (explicit !== undefined) return unlockWith(ctx, meta, explicit);
    return withTerminal(ctx, (streams) => unlockByPrompt(ctx, meta, streams));
  }
  // Before any prompt: a directory of items without its store.json must not get a new one.
  assertNotOrphaned(ctx.dir);
  // Ask before taking the lock: nobody should wait on a lock while someone types.
  const passphrase =
    explicit ??
    (await withTerminal(ctx, async (streams) => {
      const { promptNewPassphrase } = await import("./passphrase-prompt.js");
      return promptNewPassphrase(streams, ctx.dir);
    }));
  if (passphrase === "") {
    throw new VswError("VSW_USAGE", "The passphrase of a new file keystore must not be empty.");
  }
  ensurePrivateDir(ctx.dir);
  const created = await createStore(ctx, passphrase);
  if ("key" in created) return created.key;
  // Another process created the store meanwhile: our passphrase must open theirs.
  return fromCache(ctx, created.meta, passphrase) ?? unlockWith(ctx, created.meta, passphrase);
}

/** Forgets the cached unlock of the store (whatever the current TTL); whether a record was removed. */
export function forgetUnlock(ctx: UnlockContext): boolean {
  let meta: StoreMeta | undefined;
  try {
    meta = readMeta(ctx.dir);
  } catch {
    return false;
  }
  const file = meta && cacheFile(ctx, meta, false);
  return file ? removeRecord(file) : false;
}

async function createStore(
  ctx: UnlockContext,
  passphrase: string,
): Promise<{ key: Buffer; meta: StoreMeta } | { meta: StoreMeta }> {
  const lock = { timeoutMs: ctx.lockTimeoutMs ?? 10_000, label: "store" };
  return withFileLock(join(ctx.dir, STORE_LOCK), lock, async () => {
    const existing = readMeta(ctx.dir);
    if (existing) return { meta: existing };
    assertNotOrphaned(ctx.dir);
    const kdf = newKdfParams({
      N: ctx.kdf?.N ?? DEFAULT_SCRYPT.N,
      r: ctx.kdf?.r ?? DEFAULT_SCRYPT.r,
      p: ctx.kdf?.p ?? DEFAULT_SCRYPT.p,
    });
    if (!validKdf(kdf)) throw new VswError("VSW_USAGE", "The file keystore's scrypt cost is invalid.");
    const key = await derive(ctx, passphrase, kdf);
    const meta: StoreMeta = {
      format: "vsw-file-keystore",
      version: 1,
      id: randomBytes(16).toString("hex"),
      kdf,
      verifier: createVerifier(key),
    };
    atomicWrite(join(ctx.dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    remember(ctx, meta, key, passphrase);
    return { key, meta };
  });
}

async function unlockWith(ctx: UnlockContext, meta: StoreMeta, passphrase: string): Promise<Buffer> {
  const key = await derive(ctx, passphrase, meta.kdf);
  if (!checkVerifier(key, meta.verifier)) throw badPassphrase(ctx.dir);
  remember(ctx, meta, key, passphrase);
  return key;
}

async function unlockByPrompt(
  ctx: UnlockContext,
  meta: StoreMeta,
  streams: TerminalStreams,
): Promise<Buffer> {
  const { askHidden } = await import("./passphrase-prompt.js");
  for (let attempt = 1; ; attempt++) {
    const passphrase = await askHidden(streams, `Passphrase for the vsw keystore in ${ctx.dir}: `);
    const key = await derive(ctx, passphrase, meta.kdf);
    if (checkVerifier(key, meta.verifier)) {
      remember(ctx, meta, key, passphrase);
      return key;
    }
    if (attempt >= PROMPT_TRIES) throw badPassphrase(ctx.dir);
    streams.output.write("Wrong passphrase, try again.\n");
  }
}

/**
 * The cached key, if a record exists, is fresh and opens this store's verifier (else it is stale or
 * foreign and ignored; the next successful unlock replaces it). An explicitly supplied passphrase
 * must also match the record's HMAC — a mismatch falls back to the full scrypt check, so a wrong
 * passphrase is rejected even with a warm cache.
 */
function fromCache(ctx: UnlockContext, meta: StoreMeta, passphrase: string | undefined): Buffer | undefined {
  const file = cacheFile(ctx, meta, false);
  if (ctx.ttlMs <= 0) {
    // A TTL of 0 means "remember nothing": a record left from before is forgotten too.
    if (file) removeRecord(file);
    return undefined;
  }
  const record = file && readRecord(file, meta.id, ctx.now(), ctx.ttlMs);
  if (!record || !checkVerifier(record.key, meta.verifier)) return undefined;
  if (passphrase !== undefined && !timingSafeEqual(record.mac, passphraseMac(record.key, passphrase))) {
    return undefined;
  }
  return record.key;
}

function remember(ctx: UnlockContext, meta: StoreMeta, key: Buffer, passphrase: string): void {
  if (ctx.ttlMs <= 0) return;
  try {
    const file = cacheFile(ctx, meta, true);
    if (!file) return;
    const unlockedAt = ctx.now();
    const mac = passphraseMac(key, passphrase);
    writeRecord(file, { store: meta.id, unlockedAt, expiresAt: unlockedAt + ctx.ttlMs, key, mac });
  } catch {
    // The cache only saves time: failing to write it must not fail the unlock.
  }
}

function cacheFile(ctx: UnlockContext, meta: StoreMeta, create: boolean): string | undefined {
  const dir = runtimeDir(ctx.env, create);
  return dir && recordPath(dir, realpathSync.native(ctx.dir), meta.id);
}

function derive(ctx: UnlockContext, passphrase: string, kdf: KdfParams): Promise<Buffer> {
  ctx.onKdf?.();
  return deriveMasterKey(passphrase, kdf);
}

async function withTerminal<T>(ctx: UnlockContext, fn: (streams: TerminalStreams) => Promise<T>): Promise<T> {
  const streams = ctx.terminal?.open();
  if (!streams) {
    throw new VswError(
      "VSW_NO_TTY",
      `The file keystore in "${ctx.dir}" needs its passphrase and there is no terminal.`,
      {
        hint: "Set VSW_FILE_PASSPHRASE, or run vsw from a terminal so it can ask.",
      },
    );
  }
  try {
    return await fn(streams);
  } finally {
    streams.close();
  }
}

function readMeta(dir: string): StoreMeta | undefined {
  const file = join(dir, META_FILE);
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  let meta: Partial<StoreMeta> | undefined;
  try {
    meta = JSON.parse(text) as Partial<StoreMeta>;
  } catch {
    // Reported as corrupt below.
  }
  const k = meta?.kdf as Partial<ScryptCost> | undefined;
  if (k && [k.N, k.r, k.p].every(Number.isSafeInteger) && !kdfWithinLimits(k as ScryptCost)) {
    throw new VswError(
      "VSW_KEYSTORE_CORRUPT",
      `The file keystore metadata "${file}" asks for a scrypt cost beyond vsw's limit (N = ${k.N}, r = ${k.r}, p = ${k.p}).`,
      {
        hint: "vsw never creates such a store (at most 1 GiB and 16 times the default work): restore store.json from a backup.",
      },
    );
  }
  const v = meta?.verifier;
  const ok =
    meta?.format === "vsw-file-keystore" &&
    meta.version === 1 &&
    typeof meta.id === "string" &&
    validKdf(meta.kdf) &&
    typeof v?.nonce === "string" &&
    typeof v.data === "string" &&
    typeof v.tag === "string";
  if (!ok) {
    throw new VswError("VSW_KEYSTORE_CORRUPT", `The file keystore metadata "${file}" is corrupt.`, {
      hint: "Restore it from a backup: without it no item can be decrypted.",
    });
  }
  return meta as StoreMeta;
}

/**
 * Throws VSW_KEYSTORE_ORPHANED when `dir` holds items but no `store.json`.
 *
 * Security decision: the items are sealed under a key derived with the lost file's salt, so a new
 * `store.json` (a new salt) could never open them, and creating one would silently leave every item
 * unreadable next to new ones. The user restores the file, or moves the items away, deliberately.
 */
export function assertNotOrphaned(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // No directory: a new store.
  }
  const items = names.filter((name) => name.endsWith(ITEM_SUFFIX) && !name.startsWith(TEMP_PREFIX));
  if (items.length === 0) return;
  throw new VswError(
    "VSW_KEYSTORE_ORPHANED",
    `The file keystore in "${dir}" has ${items.length} item${items.length === 1 ? "" : "s"} but no ${META_FILE}, so nothing in it can be decrypted.`,
    {
      hint: `Restore "${join(dir, META_FILE)}" from a backup; or, to give up those items and start a new store, move the *${ITEM_SUFFIX} files out of "${dir}".`,
    },
  );
}

function badPassphrase(dir: string): VswError {
  return new VswError(
    "VSW_KEYSTORE_BAD_PASSPHRASE",
    `The passphrase of the file keystore in "${dir}" is wrong.`,
    {
      hint: "Check VSW_FILE_PASSPHRASE or what you typed; nothing in the store was changed.",
    },
  );
}
