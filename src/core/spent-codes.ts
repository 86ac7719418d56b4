/**
 * Codes already sent, per MFA serial, so no code is sent twice whatever its source: AWS accepts a
 * code once, and two runs minting different profiles with one device in the same 30 s would
 * otherwise send the same code (a YubiKey, an `mfa_process` or a TOTP secret gives the same one).
 * Kept as salted hashes with the time sent, in a 0600 file of the user's state directory, for a few
 * minutes; a used code is worthless anyway (AWS refuses it again). Read and written under the
 * serial's lock (pipeline.ts). Best effort: a file that cannot be read or written guards nothing
 * and fails nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stateDir } from "./lock.js";
import type { Env } from "./types.js";

/** How long a sent code is remembered: the ±1 step window AWS accepts, with room to spare. */
const REMEMBER_MS = 3 * 60_000;

interface SpentFile {
  salt: string;
  spent: Array<{ hash: string; at: number }>;
}

function fileOf(env: Env): string | undefined {
  const state = stateDir(env);
  return state && join(state, "mfa-spent.json");
}

function read(file: string, now: number): SpentFile {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as SpentFile;
    if (typeof parsed.salt === "string" && Array.isArray(parsed.spent)) {
      return { salt: parsed.salt, spent: parsed.spent.filter((s) => now - s.at < REMEMBER_MS) };
    }
  } catch {}
  return { salt: randomBytes(16).toString("hex"), spent: [] };
}

const hashOf = (salt: string, serial: string, code: string) =>
  createHash("sha256").update(`${salt}\0${serial}\0${code}`).digest("hex");

/** Whether `code` was sent for `serial` in the last few minutes. */
export function isSpent(env: Env, serial: string, code: string, now: number): boolean {
  const file = fileOf(env);
  if (!file) return false;
  const state = read(file, now);
  const hash = hashOf(state.salt, serial, code);
  return state.spent.some((s) => s.hash === hash);
}

/** Remembers that `code` was sent for `serial` (atomic write, 0600). */
export function markSpent(env: Env, serial: string, code: string, now: number): void {
  const file = fileOf(env);
  if (!file) return;
  try {
    const state = read(file, now);
    state.spent.push({ hash: hashOf(state.salt, serial, code), at: now });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    renameSync(temp, file);
  } catch {}
}

/** Milliseconds until the next 30 s TOTP step starts. */
export function untilNextStep(now: number): number {
  return 30_000 - (now % 30_000);
}
