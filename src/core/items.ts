/**
 * Names of keystore items. Names are not secret (they show in `vsw list` without a passphrase);
 * values are. One place defines them so `add`, the sources, the cache and `list` agree.
 */
import type { Credentials, PlanStep } from "./types.js";

const KEYS = "keys/";
const SESSION = "session/";

/** The item holding a profile's long-lived keys. */
export function keysItem(profile: string): string {
  return KEYS + profile;
}

/** The item caching the result of a plan step: keyed by kind, profile and MFA serial. */
export function sessionItem(step: PlanStep): string {
  const serial = "mfaSerial" in step ? (step.mfaSerial ?? "-") : "-";
  return `${SESSION}${step.type}/${encodeURIComponent(step.profile)}/${encodeURIComponent(serial)}`;
}

/** What an item name means, for listings. */
export type ParsedItem =
  | { kind: "keys"; profile: string }
  | { kind: "session"; type: string; profile: string; mfaSerial: string | null }
  | { kind: "other"; name: string };

/** Parses an item name made by `keysItem` or `sessionItem`. */
export function parseItem(name: string): ParsedItem {
  if (name.startsWith(KEYS)) return { kind: "keys", profile: name.slice(KEYS.length) };
  if (name.startsWith(SESSION)) {
    const [type, profile, serial] = name.slice(SESSION.length).split("/");
    if (type && profile !== undefined && serial !== undefined) {
      const mfaSerial = decodeURIComponent(serial);
      return {
        kind: "session",
        type,
        profile: decodeURIComponent(profile),
        mfaSerial: mfaSerial === "-" ? null : mfaSerial,
      };
    }
  }
  return { kind: "other", name };
}

/** The JSON stored under `keysItem`. */
export interface StoredKeys {
  accessKeyId: string;
  secretAccessKey: string;
  /** Epoch milliseconds. */
  addedAt: number;
}

/** The JSON stored under `sessionItem`. */
export interface StoredSession {
  credentials: Credentials;
  /** Fingerprint of the step parameters the session was minted for (a changed role_arn must not hit). */
  fingerprint: string;
  /** The duration the session was asked for (absent for a `credential_process` answer and older entries). */
  durationSeconds?: number;
}
