/**
 * The keystore half of `vsw import`: stores one profile's long-lived keys as `vsw add` does, reads
 * them back and compares, and never replaces different keys already stored. Shared by both sources.
 */
import { commandHint, VswError } from "../core/errors.js";
import { keysItem, type StoredKeys } from "../core/items.js";
import type { Keystore } from "../core/types.js";
import { checkShape } from "./commands/add.js";
import { printable } from "./report.js";

/** A key pair found in a source, under the profile it will be stored for. */
export interface FoundKeys {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What became of one profile: `stored` now, or `already` there with the very same keys. */
export type StoreOutcome = "stored" | "already";

/**
 * Puts `found` into `keystore` under `keys/<profile>` and proves it is there: the item is read back
 * and compared before the caller may delete anything from the source. Keys of another value already
 * stored are a `VSW_KEYS_EXIST` (nothing written): a lost key pair cannot be read back from AWS, so
 * an import never decides which of two pairs wins. `from` names the source in that error.
 */
export async function storeFound(
  keystore: Keystore,
  found: FoundKeys,
  now: number,
  from: string,
): Promise<StoreOutcome> {
  checkShape(found.accessKeyId, found.secretAccessKey);
  const item = keysItem(found.profile);
  const existing = await keystore.get(item);
  if (existing !== undefined) {
    if (sameKeys(existing, found)) return "already";
    const name = printable(found.profile);
    throw new VswError(
      "VSW_KEYS_EXIST",
      `Profile "${name}" already has different keys in the ${keystore.name} keystore; its keys in ${from} were left where they are.`,
      {
        hint: `Keep one pair: remove the stored one with "${commandHint("vsw remove", found.profile)}" and import again, or delete the pair from ${from} yourself.`,
      },
    );
  }
  const stored: StoredKeys = {
    accessKeyId: found.accessKeyId,
    secretAccessKey: found.secretAccessKey,
    addedAt: now,
  };
  await keystore.set(item, JSON.stringify(stored));
  // Why read back: the source is changed only once the keystore is known to return the same keys.
  const back = await keystore.get(item);
  if (back === undefined || !sameKeys(back, found)) {
    throw new VswError(
      "VSW_IMPORT_VERIFY_FAILED",
      `The ${keystore.name} keystore did not return the keys of "${printable(found.profile)}" just stored; ${from} was left unchanged.`,
      { hint: "Check the keystore (vsw keystore list), then run the import again." },
    );
  }
  return "stored";
}

/** Whether a stored `keys/…` item holds the same key pair (its `addedAt` does not matter). */
function sameKeys(text: string, found: FoundKeys): boolean {
  try {
    const stored = JSON.parse(text) as Partial<StoredKeys>;
    return stored.accessKeyId === found.accessKeyId && stored.secretAccessKey === found.secretAccessKey;
  } catch {
    return false;
  }
}

/** `a, b and c` for a report line, names made printable and quoted. */
export function nameList(profiles: readonly string[]): string {
  const names = profiles.map((p) => `"${printable(p)}"`);
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** `path` with the home directory shown as `~`, for report lines. */
export function tildePath(path: string, home: string | undefined): string {
  if (home && (path === home || path.startsWith(`${home.replace(/\/+$/, "")}/`))) {
    return `~${path.slice(home.replace(/\/+$/, "").length)}`;
  }
  return path;
}

/**
 * The error a run ends with when some profiles could not be imported: the one error itself, or
 * one naming them all (their own errors were printed on stderr as they came).
 */
export function refusedError(refused: readonly { profile: string; error: VswError }[]): VswError | undefined {
  const [first] = refused;
  if (!first) return undefined;
  if (refused.length === 1) return first.error;
  return new VswError(
    "VSW_IMPORT_INCOMPLETE",
    `${refused.length} profiles were not imported: ${nameList(refused.map((r) => r.profile))}.`,
    { hint: "Each one's reason is printed above; fix them and run the import again (it is idempotent)." },
  );
}
