/**
 * The stand-in `ykman` (test/fixtures/ykman/ykman) for tests: a state file describing the simulated
 * YubiKeys, a PATH with the stand-in first, a simulated touch and the log of its invocations.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.js";

export const YKMAN_DIR = join(ROOT, "test", "fixtures", "ykman");
export const YKMAN = join(YKMAN_DIR, "ykman");

/** One OATH account on a simulated YubiKey; `id` is what ykman lists ("issuer:name"). */
export interface StandInAccount {
  id: string;
  secret: string;
  touch?: boolean;
}

/** The stand-in's state file (see the header of test/fixtures/ykman/ykman). */
export interface StandInState {
  version?: string;
  pcscd?: boolean;
  noDeviceDelayMs?: number;
  touchTimeoutMs?: number;
  hangMs?: number;
  devices?: { serial: number; name?: string; password?: string; accounts: StandInAccount[] }[];
}

export interface StandIn {
  /** Variables that put the stand-in first on PATH and point it at its state. */
  env: NodeJS.ProcessEnv;
  /** Replaces the simulated world. */
  set(state: StandInState): void;
  /** Simulates a touch (the next touch-required code is released). */
  touch(): void;
  /** The argv of every invocation so far. */
  calls(): string[][];
}

/** A stand-in whose files live in `dir`. */
export function ykmanStandIn(dir: string, basePath = process.env.PATH ?? ""): StandIn {
  const statePath = join(dir, "ykman-state.json");
  const log = join(dir, "ykman-calls.log");
  const touchFile = join(dir, "ykman-touch");
  const set = (state: StandInState) => writeFileSync(statePath, JSON.stringify({ ...state, log, touchFile }));
  set({});
  return {
    env: { PATH: `${YKMAN_DIR}:${basePath}`, YKMAN_STANDIN_STATE: statePath },
    set,
    touch: () => writeFileSync(touchFile, ""),
    calls: () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as string[])
        : [],
  };
}
