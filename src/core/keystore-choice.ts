/**
 * The default keystore: when neither `--keystore` nor `VSW_KEYSTORE` names one, the plugins'
 * descriptors (the `keystores` hook) are probed and the best one that works here is taken, the way
 * aws-vault takes the first available backend. One that already holds items beats a preferred one
 * that holds none, so keys stored before (in the file store) never seem to vanish when a keychain
 * appears; `vsw keystore migrate` moves them.
 */
import type { KeystoreDescriptor, KeystoreStatus } from "./types.js";

/** The keystore a run uses, and how it was chosen. */
export interface KeystoreChoice {
  name: string;
  /** `named`: by `--keystore` or `VSW_KEYSTORE`; `default`: chosen here. */
  how: "named" | "default";
  /** Why a default is not the first preference (said once on stderr); absent otherwise. */
  notice?: string;
}

/** A probe that fails or hangs says "not usable" rather than failing the run. */
export async function safeProbe(descriptor: KeystoreDescriptor, timeoutMs = 2000): Promise<KeystoreStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      descriptor.probe(),
      new Promise<KeystoreStatus>((resolve) => {
        timer = setTimeout(
          () => resolve({ usable: false, reason: `its check did not answer within ${timeoutMs / 1000} s` }),
          timeoutMs,
        );
        timer.unref?.();
      }),
    ]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { usable: false, reason: `its check failed: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Chooses among `descriptors` (those with a `defaultRank`); `file` when none is offered. */
export async function chooseDefaultKeystore(
  descriptors: readonly KeystoreDescriptor[],
): Promise<KeystoreChoice> {
  const ranked = descriptors
    .filter((d) => d.defaultRank !== undefined)
    .sort((a, b) => (a.defaultRank as number) - (b.defaultRank as number));
  if (ranked.length === 0) return { name: "file", how: "default" };
  const statuses = await Promise.all(ranked.map((d) => safeProbe(d)));
  let index = statuses.findIndex((s) => s.usable && s.holdsItems === true);
  if (index < 0) index = statuses.findIndex((s) => s.usable);
  if (index < 0) index = ranked.length - 1;
  const chosen = ranked[index] as KeystoreDescriptor;
  if (index === 0) return { name: chosen.name, how: "default" };
  const top = ranked[0] as KeystoreDescriptor;
  const topStatus = statuses[0] as KeystoreStatus;
  const notice = topStatus.usable
    ? `vsw uses the ${chosen.name} keystore, which holds your items; \`vsw keystore migrate --from ${chosen.name} --to ${top.name}\` moves them to the ${top.description}.`
    : `vsw uses the ${chosen.name} keystore: the ${top.name} keystore cannot be used here: ${(topStatus.reason ?? "it is not usable").replace(/\.$/, "")}. \`vsw keystore list\` says more.`;
  return { name: chosen.name, how: "default", notice };
}
