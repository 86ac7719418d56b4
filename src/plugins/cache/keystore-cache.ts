import { hash } from "node:crypto";
import type { Keystore, PlanStep, Vsw, VswPlugin } from "../../plugin.js";
import { isVswError, STAGE_CACHE, type StoredSession, sessionItem } from "../../plugin.js";

const NAME = "cache-keystore";

/** Options of `keystoreCache`. */
export interface KeystoreCacheOptions {
  /**
   * A cached session is reused while at least this much is left, unless the request says how much
   * it needs (aws-vault and the SDKs use 5 min).
   */
  minRemainingMs?: number;
}

/**
 * Caches every minted session (and credential_process output) in the active keystore, encrypted
 * like the keys. A hit costs no STS call and never loads the SDK.
 */
export function keystoreCache(options: KeystoreCacheOptions = {}): VswPlugin {
  const minRemainingMs = options.minRemainingMs ?? 5 * 60_000;
  return {
    name: NAME,
    apply(vsw) {
      let purged = false;
      vsw.hooks.cachedSession.tapPromise({ name: NAME, stage: STAGE_CACHE }, async (request) => {
        const { step, keystore } = request;
        if (step.type === "keys") return undefined;
        const name = sessionItem(step);
        let text: string | undefined;
        try {
          text = await keystore.get(name);
        } catch (error) {
          // A damaged cache entry must not block the user: drop it and mint anew.
          if (!isVswError(error, "VSW_KEYSTORE_CORRUPT")) throw error;
          vsw.warn(`Dropping the unreadable cached session "${name}".`);
          await keystore.delete(name);
          return undefined;
        }
        if (text === undefined) return undefined;
        const stored = JSON.parse(text) as StoredSession;
        const left = (stored.credentials.expiration ?? 0) - vsw.now();
        const needed =
          request.minRemainingSeconds === undefined ? minRemainingMs : request.minRemainingSeconds * 1000;
        if (stored.fingerprint !== fingerprint(step) || left < needed) return undefined;
        // A session minted for less than is asked now (--duration 15m, then 1h) is not reused.
        const { minDurationSeconds: wanted } = request;
        if (wanted !== undefined && (stored.durationSeconds ?? 0) < wanted) return undefined;
        return stored.credentials;
      });
      vsw.hooks.sessionCreated.tapPromise(NAME, async ({ step, keystore, credentials }) => {
        if (step.type === "keys" || credentials.expiration === undefined) return;
        if (!purged) {
          purged = true; // once a run: a chain mints several sessions
          await purgeExpired(vsw, keystore);
        }
        const stored: StoredSession = { credentials, fingerprint: fingerprint(step) };
        if ("durationSeconds" in step) stored.durationSeconds = step.durationSeconds;
        try {
          await keystore.set(sessionItem(step), JSON.stringify(stored), {
            expiresAt: credentials.expiration,
          });
        } catch (error) {
          // Why: the session is minted (and an MFA code spent); a full disk or a read-only store must
          // not throw it away. It is handed out uncached, and the next switch mints again.
          const code = errnoCode(error);
          if (code === undefined) throw error;
          vsw.warn(
            `The session of "${step.profile}" was not cached: the keystore could not be written (${code}).`,
          );
        }
      });
      vsw.hooks.dropSession.tapPromise(NAME, async ({ step, keystore }) => {
        if (step.type !== "keys") await keystore.delete(sessionItem(step));
      });
    },
  };
}

/**
 * Deletes the cached sessions that expired, found by their expiry in `list` (which reads no value).
 * Runs when a session was minted, which is rare and slow anyway, so a cached switch never pays for
 * it and the store does not grow with sessions of profiles no longer used. Best effort: a failure
 * here must not fail the mint.
 */
async function purgeExpired(vsw: Vsw, keystore: Keystore): Promise<void> {
  try {
    const now = vsw.now();
    for (const item of await keystore.list("session/")) {
      if (item.expiresAt !== undefined && item.expiresAt <= now) await keystore.delete(item.name);
    }
  } catch (error) {
    vsw.warn(`Expired cached sessions were not removed: ${(error as Error).message}`);
  }
}

/**
 * The errno code of an I/O failure, also when it arrives as the `cause` of the core's attribution
 * (`VSW_PLUGIN_ERROR` naming the keystore plugin).
 */
function errnoCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What a cached session must have been minted for: what makes it different at AWS (kind, profile,
 * MFA serial, role ARN, external id, session name, tags, source identity, endpoint_url). Left out on
 * purpose: how the MFA code is obtained (mfa_process, mfa_source …), the duration (a profile reuses its 8 h GetSessionToken session minted to feed roles; the
 * pipeline checks what is left instead), and the region and `sts_regional_endpoints` (STS
 * credentials do not depend on where they were issued, so switching region must not ask for MFA).
 */
export function fingerprint(step: PlanStep): string {
  const {
    durationSeconds: _d,
    mfaProcess: _m,
    mfaOptions: _o,
    region: _r,
    stsRegionalEndpoints: _e,
    stored: _s,
    ...identity
  } = step as PlanStep & {
    durationSeconds?: number;
    mfaProcess?: string | null;
    mfaOptions?: Record<string, string>;
    region?: string | null;
    stsRegionalEndpoints?: string | null;
    stored?: boolean;
  };
  // The one-shot hash: a Hash object costs its class set-up, ~0.1 ms, on every switch.
  return hash("sha256", JSON.stringify(identity), "base64url");
}
