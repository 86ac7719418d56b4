/**
 * `vsw keystore list [--json]`: every keystore the plugins offer (the `keystores` hook), whether it
 * works here and why not, which one this run would use and how it was chosen, and how many items
 * each usable one holds. Reads no value and prompts for nothing: probes and `list()` only (the file
 * store lists names without its passphrase; a keychain that cannot list says why, in its row).
 */
import { isVswError } from "../core/errors.js";
import { parseItem } from "../core/items.js";
import { safeProbe } from "../core/keystore-choice.js";
import type { KeystoreDescriptor, KeystoreItem, KeystoreStatus } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import type { GlobalArgs } from "./context.js";
import { printable, safeJson } from "./report.js";

/** Milliseconds a store's `list()` may take before its count is shown as unknown. */
const LIST_TIMEOUT_MS = 3000;

/** How many items a store holds, by kind (no value read). */
export interface ItemCounts {
  keys: number;
  /** Sessions not yet expired. */
  sessions: number;
  expiredSessions: number;
  /** Items vsw does not name (a plugin's own). */
  other: number;
}

/** One row of `vsw keystore list --json`: every key always present (`null` when unknown). */
export interface ListedKeystore {
  name: string;
  description: string | null;
  /** Place in the automatic choice (lower first); `null`: used only when named. */
  defaultRank: number | null;
  /** Whether this run uses it (`vsw --keystore`, `VSW_KEYSTORE`, else the automatic choice). */
  default: boolean;
  /** `null`: its plugin offers no check (no descriptor on the `keystores` hook). */
  usable: boolean | null;
  reason: string | null;
  hint: string | null;
  code: string | null;
  items: ItemCounts | null;
  /** Why `items` is `null` for a usable store. */
  itemsError: { code: string | null; message: string } | null;
}

/** How this run's keystore was chosen. */
export interface DefaultKeystore {
  name: string;
  how: "--keystore" | "VSW_KEYSTORE" | "the vsw config file" | "automatic";
  /** Whether a plugin answers that name (a named store may be unknown). */
  known: boolean;
  /** Why the automatic choice is not the first preference; `null` otherwise. */
  notice: string | null;
}

/** Lists the keystores (see the file comment). */
export async function runKeystoreList(vsw: Vsw, args: GlobalArgs & { json?: boolean | undefined }) {
  const choice = await vsw.chooseKeystore();
  const how: DefaultKeystore["how"] =
    choice.how === "default"
      ? "automatic"
      : args.keystore
        ? "--keystore"
        : vsw.env.VSW_KEYSTORE
          ? "VSW_KEYSTORE"
          : "the vsw config file";
  const described = rankOrder(vsw.hooks.keystores.call([]) ?? []);
  // Keystores a plugin answers on the `keystore` hook without describing itself still show, unchecked.
  const names = new Set(described.map((d) => d.name));
  const undescribed = answeredNames(vsw).filter((name) => !names.has(name));
  const rows = await Promise.all([
    ...described.map(async (descriptor) => row(vsw, descriptor, await safeProbe(descriptor), choice.name)),
    ...undescribed.map((name) => row(vsw, undefined, undefined, choice.name, name)),
  ]);
  const chosen: DefaultKeystore = {
    name: choice.name,
    how,
    known: rows.some((r) => r.name === choice.name),
    notice: choice.notice ?? null,
  };
  if (!chosen.known) {
    vsw.warn(`The keystore named by ${how}, "${choice.name}", is not known; commands that use it fail.`);
  }
  if (args.json) {
    process.stdout.write(`${safeJson({ default: chosen, keystores: rows }, 2)}\n`);
    return;
  }
  process.stdout.write(render(rows, chosen));
}

/** Descriptors with a rank first (lowest first, the order of the automatic choice), then the rest as offered. */
function rankOrder(descriptors: readonly KeystoreDescriptor[]): KeystoreDescriptor[] {
  const ranked = descriptors.filter((d) => d.defaultRank !== undefined);
  ranked.sort((a, b) => (a.defaultRank as number) - (b.defaultRank as number));
  return [...ranked, ...descriptors.filter((d) => d.defaultRank === undefined)];
}

/** The names the `keystore` hook's taps answer, by the same convention as the unknown-keystore error. */
function answeredNames(vsw: Vsw): string[] {
  return vsw.hooks.keystore.taps.map(
    (tap) => (tap as { keystore?: string }).keystore ?? tap.name.replace(/^keystore-/, ""),
  );
}

async function row(
  vsw: Vsw,
  descriptor: KeystoreDescriptor | undefined,
  status: KeystoreStatus | undefined,
  chosen: string,
  fallbackName = "",
): Promise<ListedKeystore> {
  const name = descriptor?.name ?? fallbackName;
  const listed: ListedKeystore = {
    name,
    description: descriptor?.description ?? null,
    defaultRank: descriptor?.defaultRank ?? null,
    default: name === chosen,
    usable: status ? status.usable : null,
    reason: status?.reason ?? null,
    hint: status?.hint ?? null,
    code: status?.code ?? null,
    items: null,
    itemsError: null,
  };
  // An unusable store is not listed: its probe already said why, and a list would only repeat it.
  if (status && !status.usable) return listed;
  try {
    listed.items = count(await withTimeout(vsw.keystore(name).list(), LIST_TIMEOUT_MS), vsw.now());
  } catch (error) {
    listed.itemsError = isVswError(error)
      ? { code: error.code, message: error.message }
      : { code: null, message: error instanceof Error ? error.message : String(error) };
  }
  return listed;
}

function count(items: readonly KeystoreItem[], now: number): ItemCounts {
  const counts: ItemCounts = { keys: 0, sessions: 0, expiredSessions: 0, other: 0 };
  for (const item of items) {
    const parsed = parseItem(item.name);
    if (parsed.kind === "keys") counts.keys++;
    else if (parsed.kind === "other") counts.other++;
    else if (item.expiresAt !== undefined && item.expiresAt <= now) counts.expiredSessions++;
    else counts.sessions++;
  }
  return counts;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`its list did not answer within ${ms / 1000} s`)), ms);
      timer.unref?.();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The text form: one block a keystore, the one in use marked `*`, then how it was chosen. */
function render(rows: readonly ListedKeystore[], chosen: DefaultKeystore): string {
  const width = Math.max(...rows.map((r) => printable(r.name).length), 8);
  let out = "";
  for (const r of rows) {
    out += `${r.default ? "*" : " "} ${printable(r.name).padEnd(width)}  ${printable(r.description ?? "(no description)")}\n`;
    const field = (label: string, text: string) => {
      out += `    ${label.padEnd(8)}${printable(text)}\n`;
    };
    const why = r.reason ? `: ${r.reason.replace(/\.$/, "")}` : "";
    if (r.usable === null) field("usable", "not checked: its plugin offers no check");
    else field("usable", `${r.usable ? "yes" : "no"}${why}${!r.usable && r.code ? ` (${r.code})` : ""}`);
    if (r.hint) field("hint", r.hint);
    if (r.items) field("items", describeCounts(r.items));
    else if (r.itemsError) {
      const code = r.itemsError.code ? ` (${r.itemsError.code})` : "";
      field("items", `unknown: ${r.itemsError.message.replace(/\.$/, "")}${code}`);
    }
  }
  out += `\nvsw uses the ${printable(chosen.name)} keystore here, ${chosenBy(rows, chosen)}.\n`;
  if (!chosen.known) out += `No plugin offers a keystore "${printable(chosen.name)}".\n`;
  return out;
}

/** How the keystore in use was chosen, in words; the reason above a preferred store it passed over. */
function chosenBy(rows: readonly ListedKeystore[], chosen: DefaultKeystore): string {
  if (chosen.how !== "automatic") return `named by ${chosen.how}`;
  const first = rows.find((r) => r.defaultRank !== null);
  if (!first || first.name === chosen.name) {
    return "chosen automatically (the first choice where it works; --keystore or VSW_KEYSTORE names another)";
  }
  if (first.usable === false)
    return `chosen automatically: the ${printable(first.name)} keystore cannot be used here`;
  // A usable first choice passed over: this one holds the items (keystore-choice.ts).
  return `chosen automatically, as it holds your items; \`vsw keystore migrate --from ${printable(chosen.name)} --to ${printable(first.name)}\` moves them to the ${printable(first.name)} keystore`;
}

function describeCounts(c: ItemCounts): string {
  const parts: string[] = [];
  if (c.keys) parts.push(`keys of ${plural(c.keys, "profile", "profiles")}`);
  if (c.sessions) parts.push(plural(c.sessions, "session", "sessions"));
  if (c.expiredSessions) parts.push(plural(c.expiredSessions, "expired session", "expired sessions"));
  if (c.other) parts.push(plural(c.other, "other item", "other items"));
  return parts.length ? parts.join(", ") : "none";
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
