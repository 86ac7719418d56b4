/**
 * `vsw keystore migrate --from A --to B [--profile P]`: moves keys and sessions from one keystore to
 * another. Per item, in this order: read it from A, write it to B (with A's expiry), read it back
 * from B and compare, and only then delete it from A. Why this order: a run killed at any point
 * leaves every item in A, in B, or in both, never in neither; a second run finishes the job (an
 * item already in B with the same value is only deleted from A). An item B holds with a different
 * value is never overwritten: it is reported, and the run fails at the end naming it.
 */
import { VswError } from "../core/errors.js";
import { parseItem } from "../core/items.js";
import type { Vsw } from "../core/vsw.js";
import { printable } from "./report.js";

export interface MigrateArgs {
  from?: string | undefined;
  to?: string | undefined;
  profile?: string | undefined;
}

/** What happened to each item, by name. */
interface Outcome {
  moved: string[];
  /** In B already with the same value: only deleted from A. */
  alreadyThere: string[];
  /** Expired sessions, deleted from A and not copied. */
  dropped: string[];
  conflicts: string[];
}

/** Moves the items (see the file comment); prints a line per item and a summary on stdout, names only. */
export async function runKeystoreMigrate(vsw: Vsw, args: MigrateArgs): Promise<void> {
  const { from, to } = args;
  if (!from || !to) {
    throw new VswError("VSW_USAGE", "vsw keystore migrate needs --from and --to.", {
      hint: "For example: vsw keystore migrate --from file --to keychain (vsw keystore list shows the keystores).",
    });
  }
  if (from === to) {
    throw new VswError("VSW_USAGE", `--from and --to name the same keystore, "${from}".`, {
      hint: "Name two different keystores; vsw keystore list shows them.",
    });
  }
  if (args.profile === "") throw new VswError("VSW_USAGE", "--profile needs a profile name.");
  // Both resolved first: an unknown name is VSW_KEYSTORE_UNKNOWN before anything is read.
  const source = vsw.keystore(from);
  const target = vsw.keystore(to);
  const listed = await source.list();
  const wanted = listed.filter((item) => belongs(item.name, args.profile));
  const out: Outcome = {
    moved: [],
    alreadyThere: [],
    dropped: [],
    conflicts: [],
  };
  const write = (line: string) => process.stdout.write(`${line}\n`);
  if (wanted.length === 0) {
    const whose = args.profile === undefined ? "" : ` of profile "${printable(args.profile)}"`;
    write(`Nothing to move: the ${from} keystore holds no keys or sessions${whose}.`);
    return;
  }
  // Both opened before anything moves: the file store's passphrase is asked once, here, and a
  // keychain that cannot be reached fails now rather than after some items moved.
  await source.open();
  await target.open();
  const inTarget = new Map((await target.list()).map((item) => [item.name, item]));
  const pause = testPause(vsw.env.VSW_TEST_MIGRATE_PAUSE_MS);
  const now = vsw.now();
  for (const item of wanted) {
    const name = printable(item.name);
    // Decision: an expired session is worth nothing anywhere (the cache would purge it), so it is
    // deleted from A rather than copied.
    if (item.expiresAt !== undefined && item.expiresAt <= now && parseItem(item.name).kind === "session") {
      await source.delete(item.name);
      out.dropped.push(item.name);
      write(`dropped ${name} (expired)`);
      continue;
    }
    const value = await source.get(item.name);
    if (value === undefined) continue; // Gone since the list (another vsw removed it): nothing to move.
    const existing = await target.get(item.name);
    if (existing !== undefined && existing !== value) {
      out.conflicts.push(item.name);
      write(`skipped ${name}: the ${to} keystore holds a different value under this name`);
      continue;
    }
    const there = inTarget.get(item.name);
    // Same value already in B (a run that was interrupted): written again only when its expiry
    // did not make it, so B lists the same expiry as A.
    if (existing === undefined || there?.expiresAt !== item.expiresAt) {
      await target.set(item.name, value, item.expiresAt === undefined ? {} : { expiresAt: item.expiresAt });
      await pause();
      const back = await target.get(item.name);
      if (back !== value) {
        // B is not trusted: the copy just written (when B had none) goes, so a rerun sees no conflict.
        if (existing === undefined) await target.delete(item.name).catch(() => false);
        throw verifyFailed(item.name, from, to);
      }
    }
    await pause();
    await source.delete(item.name);
    if (existing === undefined) {
      out.moved.push(item.name);
      write(`moved ${name}`);
    } else {
      out.alreadyThere.push(item.name);
      write(`moved ${name} (it was in ${to} already)`);
    }
  }
  write(summary(out, from, to));
  if (out.conflicts.length) throw conflict(out.conflicts, from, to);
}

/**
 * Whether an item is migrated: every item (a plugin's own too, such as a stored TOTP secret, which
 * would otherwise stay behind in a store no longer used), and with `--profile` only that profile's
 * keys and sessions.
 */
function belongs(name: string, profile: string | undefined): boolean {
  if (profile === undefined) return true;
  const parsed = parseItem(name);
  return parsed.kind !== "other" && parsed.profile === profile;
}

function summary(out: Outcome, from: string, to: string): string {
  const count = out.moved.length + out.alreadyThere.length;
  const parts: string[] = [];
  if (out.alreadyThere.length) parts.push(`${out.alreadyThere.length} of them were in ${to} already`);
  if (out.dropped.length) parts.push(`${plural(out.dropped.length, "expired session")} dropped`);
  if (out.conflicts.length) parts.push(`${plural(out.conflicts.length, "conflict")} left in ${from}`);
  return `Moved ${plural(count, "item")} from ${from} to ${to}${parts.length ? ` (${parts.join("; ")})` : ""}.`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function conflict(names: readonly string[], from: string, to: string): VswError {
  const list = names.map((n) => `"${n}"`).join(", ");
  return new VswError(
    "VSW_MIGRATE_CONFLICT",
    `${plural(names.length, "item")} not moved: the ${to} keystore holds a different value under the same name: ${list}.`,
    {
      hint: `Nothing was overwritten and both copies are kept. Keep the one you want: remove the other (vsw --keystore ${to} remove PROFILE, or vsw --keystore ${from} remove PROFILE; vsw clear for sessions), then run the migration again.`,
    },
  );
}

/** The copy read back from B differs: the item stays in A and the run stops. */
function verifyFailed(name: string, from: string, to: string): VswError {
  return new VswError(
    "VSW_MIGRATE_VERIFY_FAILED",
    `The item "${name}" read back from the ${to} keystore differs from what was written; it is kept in ${from} and the migration stopped.`,
    { hint: `Check the ${to} keystore (vsw keystore list), then run the migration again.` },
  );
}

/**
 * Test-only: `VSW_TEST_MIGRATE_PAUSE_MS` waits that long after writing an item to B and again
 * before deleting it from A, so a test can kill the run at a known point. Unset: no wait.
 */
function testPause(raw: string | undefined): () => Promise<void> {
  const ms = raw ? Number(raw) : 0;
  if (!Number.isFinite(ms) || ms <= 0) return async () => {};
  return () => new Promise((resolve) => setTimeout(resolve, ms));
}
