/**
 * `vsw import aws-vault [--profile P]`: copies the long-lived keys of aws-vault's `file` backend into
 * the keystore, so its users switch without typing their keys again. aws-vault's store is only read.
 *
 * The format, as aws-vault writes it (99designs/keyring and ByteNess/keyring, file.go; aws-vault's
 * vault/credentialkeyring.go, sessionkeyring.go, oidctokenkeyring.go):
 * - a directory, `AWS_VAULT_FILE_DIR` or `~/.awsvault/keys/`, with one file per item, named after the
 *   item's key with `%` and `/` percent-encoded;
 * - each file a JWE in compact serialization, `alg` PBES2-HS256+A128KW (jose2go's default p2c 8192,
 *   random p2s), `enc` A256GCM, the passphrase being `AWS_VAULT_FILE_PASSPHRASE` or typed;
 * - the plaintext the JSON of a keyring.Item `{Key, Data, Label, Description, …}`, `Data` the base64
 *   of aws-vault's credentials JSON (Go field names, matched without case as Go's decoder does:
 *   `AccessKeyID`, `SecretAccessKey`, `SessionToken`, …);
 * - long-lived keys under the profile's name; cached sessions under
 *   `TYPE,base64url(profile),base64url(mfa serial),EXPIRY` (older `session,…`, `session:…:…:…` and
 *   `NAME session (N)` names), OIDC tokens under `oidc:START_URL`. Those are skipped: short-lived.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isVswError, VswError } from "../core/errors.js";
import type { Vsw } from "../core/vsw.js";
import { askHidden } from "../plugins/keystore/passphrase-prompt.js";
import { buildVsw, type GlobalArgs } from "./context.js";
import { type FoundKeys, nameList, refusedError, storeFound, tildePath } from "./import-store.js";
import { printable } from "./report.js";

/** Arguments of `vsw import aws-vault`. */
export interface AwsVaultImportArgs extends GlobalArgs {
  profile?: string | undefined;
}

/**
 * The largest PBKDF2 iteration count accepted: jose2go's own ceiling for PBES2-HS256+A128KW. Why a
 * ceiling: `p2c` comes from the file, and an absurd one would make the import spin for hours.
 */
const MAX_P2C = 1_300_000;

/** Runs the import; writes its report on stdout (never a secret). */
export async function importAwsVault(args: AwsVaultImportArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const dir = storeDir(vsw.env);
  const shown = tildePath(dir, vsw.env.HOME);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const items = listItems(dir, shown);
  const sessions = items.filter((i) => isShortLived(i.name));
  let credentials = items.filter((i) => !isShortLived(i.name));
  if (args.profile !== undefined) credentials = credentials.filter((i) => i.name === args.profile);
  if (credentials.length === 0) {
    if (args.profile !== undefined) {
      throw new VswError(
        "VSW_PROFILE_NOT_FOUND",
        `aws-vault's file store in ${shown} holds no keys for "${printable(args.profile)}".`,
        { hint: "Run without --profile to copy every key pair it holds (aws-vault list shows them)." },
      );
    }
    out(`No long-lived keys in aws-vault's file store in ${shown}: nothing to copy.`);
    return;
  }
  const { found, skipped, refused } = await decryptAll(credentials, await passphraseFor(vsw, shown), shown);
  const keystore = vsw.keystore();
  const stored: string[] = [];
  const already: string[] = [];
  if (found.length > 0) await keystore.open();
  for (const keys of found) {
    try {
      const from = `aws-vault's file store`;
      ((await storeFound(keystore, keys, vsw.now(), from)) === "stored" ? stored : already).push(
        keys.profile,
      );
    } catch (error) {
      if (!isVswError(error) || error.code === "VSW_IMPORT_VERIFY_FAILED") throw error;
      refused.push({ profile: keys.profile, error });
    }
  }
  if (stored.length > 0) {
    out(
      `Copied the keys of ${nameList(stored)} from aws-vault's file store (${shown}) into the ${keystore.name} keystore; aws-vault's store is unchanged.`,
    );
  }
  if (already.length > 0)
    out(`The keys of ${nameList(already)} were already in the ${keystore.name} keystore.`);
  for (const s of skipped)
    out(`Skipped "${printable(s)}": it holds temporary credentials, not long-lived keys.`);
  if (sessions.length > 0 && args.profile === undefined) {
    out(
      `Skipped ${sessions.length} cached session${sessions.length === 1 ? "" : "s"} and token${sessions.length === 1 ? "" : "s"} of aws-vault (short-lived; vsw makes its own).`,
    );
  }
  if (refused.length > 1) {
    for (const { error } of refused) process.stderr.write(`vsw: ${error.message} (${error.code})\n`);
  }
  const error = refusedError(refused);
  if (error) throw error;
}

interface VaultItem {
  /** The item key, decoded from the file name. */
  name: string;
  file: string;
}

/** aws-vault's directory: `AWS_VAULT_FILE_DIR` (a leading `~` expanded, as keyring's ExpandTilde does) or `~/.awsvault/keys`. */
function storeDir(env: Vsw["env"]): string {
  const home = env.HOME ?? env.USERPROFILE ?? ".";
  const dir = env.AWS_VAULT_FILE_DIR;
  if (!dir) return join(home, ".awsvault", "keys");
  if (dir === "~" || dir.startsWith("~/")) return join(home, dir.slice(1));
  return dir;
}

function listItems(dir: string, shown: string): VaultItem[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new VswError("VSW_IMPORT_NOT_FOUND", `aws-vault's file store ${shown} does not exist.`, {
        hint: "Set AWS_VAULT_FILE_DIR to the directory aws-vault uses (--file-dir), or check that aws-vault uses the file backend (AWS_VAULT_BACKEND=file).",
      });
    }
    throw error;
  }
  return names
    .filter((n) => statSync(join(dir, n), { throwIfNoEntry: false })?.isFile())
    .sort()
    .map((n) => ({ name: percentDecode(n), file: join(dir, n) }));
}

/** Whether an item key names a cached session or an OIDC token (aws-vault's own rules). */
export function isShortLived(key: string): boolean {
  return (
    key.startsWith("oidc:") ||
    /^[^,]+,[^,]+,[^,]*,[0-9]+$/.test(key) ||
    /^session:[^ ]+:[^ ]*:[^:]+$/.test(key) ||
    /^.+? session \(\d+\)$/.test(key)
  );
}

/** keyring's file-name decoding: each `%XX` is the byte 0xXX; anything else stays. */
function percentDecode(name: string): string {
  const bytes = Buffer.from(name, "utf8");
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
    if (bytes[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(bytes[i] as number);
  }
  return Buffer.from(out).toString("utf8");
}

async function passphraseFor(vsw: Vsw, shown: string): Promise<string> {
  const fromEnv = vsw.env.AWS_VAULT_FILE_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  const terminal = vsw.terminal.open();
  if (!terminal) {
    throw new VswError(
      "VSW_NO_TTY",
      "vsw import aws-vault needs a terminal to ask for aws-vault's passphrase.",
      {
        hint: "Set AWS_VAULT_FILE_PASSPHRASE, as for aws-vault itself.",
      },
    );
  }
  try {
    return await askHidden(terminal, `Passphrase of aws-vault's file store in ${shown}: `);
  } finally {
    terminal.close();
  }
}

/**
 * Decrypts every credentials item. A wrong passphrase fails every item alike (the key unwrap
 * fails): when none opens, that is `VSW_IMPORT_BAD_PASSPHRASE`; when others open, the one that does
 * not is damaged and named (`VSW_IMPORT_CORRUPT`).
 */
async function decryptAll(
  items: VaultItem[],
  passphrase: string,
  shown: string,
): Promise<{ found: FoundKeys[]; skipped: string[]; refused: { profile: string; error: VswError }[] }> {
  const { compactDecrypt } = await import("jose");
  const key = new TextEncoder().encode(passphrase);
  const found: FoundKeys[] = [];
  const skipped: string[] = [];
  const failed: VaultItem[] = [];
  const refused: { profile: string; error: VswError }[] = [];
  let opened = 0;
  for (const item of items) {
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(readFileSync(item.file, "utf8").trim(), key, {
        keyManagementAlgorithms: ["PBES2-HS256+A128KW"],
        contentEncryptionAlgorithms: ["A256GCM"],
        maxPBES2Count: MAX_P2C,
      }));
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_JWE_DECRYPTION_FAILED") failed.push(item);
      else
        refused.push({
          profile: item.name,
          error: corrupt(item, "it is not a JWE aws-vault could have written"),
        });
      continue;
    }
    opened++;
    const keys = readItem(plaintext);
    if (keys === undefined) {
      refused.push({
        profile: item.name,
        error: corrupt(item, "its content is not an aws-vault credentials item"),
      });
    } else if (keys.sessionToken || keys.accessKeyId.startsWith("ASIA"))
      skipped.push(keys.profile || item.name);
    else found.push({ ...keys, profile: keys.profile || item.name });
  }
  if (failed.length > 0 && opened === 0) {
    throw new VswError(
      "VSW_IMPORT_BAD_PASSPHRASE",
      `The passphrase does not open aws-vault's file store in ${shown}.`,
      { hint: "Use the passphrase aws-vault asks for (AWS_VAULT_FILE_PASSPHRASE); nothing was imported." },
    );
  }
  for (const item of failed) {
    refused.push({
      profile: item.name,
      error: corrupt(item, "it does not decrypt with the passphrase that opens the others"),
    });
  }
  return { found, skipped, refused };
}

/** The keys of a decrypted keyring.Item, or undefined when it is not one. */
function readItem(
  plaintext: Uint8Array,
): { profile: string; accessKeyId: string; secretAccessKey: string; sessionToken: string } | undefined {
  try {
    const item = JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
    const data = field(item, "data");
    if (typeof data !== "string") return undefined;
    const creds = JSON.parse(Buffer.from(data, "base64").toString("utf8")) as Record<string, unknown>;
    const text = (name: string) => {
      const value = field(creds, name);
      return typeof value === "string" ? value : "";
    };
    const accessKeyId = text("accesskeyid");
    const secretAccessKey = text("secretaccesskey");
    if (!accessKeyId || !secretAccessKey) return undefined;
    const key = field(item, "key");
    return {
      profile: typeof key === "string" ? key : "",
      accessKeyId,
      secretAccessKey,
      sessionToken: text("sessiontoken"),
    };
  } catch {
    return undefined;
  }
}

/** A JSON field matched without case, as Go's encoding/json does. */
function field(object: Record<string, unknown>, lower: string): unknown {
  if (typeof object !== "object" || object === null) return undefined;
  const name = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return name === undefined ? undefined : object[name];
}

function corrupt(item: VaultItem, why: string): VswError {
  return new VswError("VSW_IMPORT_CORRUPT", `aws-vault's item file "${item.file}" cannot be read: ${why}.`, {
    hint: "Check the item with aws-vault (aws-vault list); the other items are imported without it.",
  });
}
