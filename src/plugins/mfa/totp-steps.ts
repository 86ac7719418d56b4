/**
 * Spending TOTP codes: AWS accepts each code once (RFC 6238 §5.2), so vsw remembers, per MFA
 * serial, the last time step it handed out, and never hands out that step or an earlier one again:
 * it waits for the next step instead, saying so.
 *
 * Why a state file and not the keystore: the used step is a fact about the device at AWS, not about
 * one keystore (`--keystore file` and `--keystore keychain` may both hold the serial's secret), it
 * is not secret (a time), and writing it must not re-encrypt a store, ask a keychain or commit to
 * a pass repository on every code. It lives with vsw's other per-user state, beside the locks:
 * `$XDG_STATE_HOME/vsw/totp/` (else `~/.local/state/vsw/totp/`), 0600 files in a 0700 directory,
 * written atomically (temp file, rename). The read-compare-write runs under `vsw.lock("totp/" +
 * serial)`, so two runs (two profiles sharing the serial, or the same one twice) never get one step.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Env, Vsw } from "../../plugin.js";
import { stateDir, VswError } from "../../plugin.js";
import { atomicWrite, readIfExists } from "../keystore/file-io.js";
import { timeStep, totpCodeAt } from "./totp-code.js";
import type { TotpSettings } from "./totp-secret.js";

/** What the state file of a serial holds. */
interface UsedStep {
  serial: string;
  /** The last time step handed out, counted in `period`-second steps. */
  step: number;
  period: number;
  /** When it was handed out (epoch ms), for a person reading the file. */
  usedAt: number;
}

/** Test seams; the defaults are real time. */
export interface SpendOptions {
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The code of the first time step not yet used for `serial`, recorded as used before it is
 * returned (a code that may have reached AWS is spent). Waits, with a warning naming the seconds
 * left, when the current step was already used.
 */
export async function spendTotpCode(
  vsw: Vsw,
  serial: string,
  settings: TotpSettings,
  options: SpendOptions = {},
): Promise<string> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return vsw.lock(
    `totp/${serial}`,
    async () => {
      const file = stepFile(vsw.env, serial);
      const periodMs = settings.period * 1000;
      const last = readUsed(file, serial);
      let now = vsw.now();
      const current = timeStep(now, settings.period);
      // The first step that starts after the used one ended (the period may have changed since).
      // A damaged file counts as "the current step was used": at worst one wait, never a reused code.
      const next =
        last === null ? current + 1 : last ? Math.ceil(((last.step + 1) * last.period * 1000) / periodMs) : 0;
      if (next > current + 1) {
        throw new VswError(
          "VSW_TOTP_CLOCK",
          `The last TOTP code vsw used for "${serial}" is from later than this machine's clock says it is now.`,
          {
            hint: `Check the clock; if it is right, delete ${file} to forget the used time step.`,
          },
        );
      }
      if (next > current) {
        const waitMs = next * periodMs - now;
        vsw.warn(
          `The TOTP code of "${serial}" for this ${settings.period} s step was already used (AWS accepts a code once); waiting ${Math.ceil(waitMs / 1000)} s for the next one.`,
        );
        // A timer may fire a little early: sleep until the clock is really in the next step.
        while (timeStep(now, settings.period) < next) {
          await sleep(Math.max(next * periodMs - now, 0) + 25);
          now = vsw.now();
        }
      }
      const step = Math.max(current, next);
      writeUsed(file, { serial, step, period: settings.period, usedAt: now });
      return totpCodeAt(settings, step);
    },
    {
      onWait: (pid) =>
        vsw.warn(
          `Waiting for another vsw${pid ? ` (pid ${pid})` : ""} that is taking a TOTP code of "${serial}" (each code is used once).`,
        ),
    },
  );
}

/** The state file of `serial` (named by a hash: an ARN holds `/` and `:`). */
export function stepFile(env: Env, serial: string): string {
  return join(totpDir(env), `${createHash("sha256").update(serial).digest("hex").slice(0, 32)}.json`);
}

function totpDir(env: Env): string {
  const state = stateDir(env);
  if (state) return join(state, "totp");
  throw new VswError("VSW_CONFIG_INVALID", "vsw has no directory for its TOTP state: HOME is not set.", {
    hint: "Set HOME or XDG_STATE_HOME.",
  });
}

/** The used step of `serial`; `undefined` when none is recorded, `null` when the file is damaged. */
function readUsed(file: string, serial: string): UsedStep | undefined | null {
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as Partial<UsedStep>;
    if (
      data.serial === serial &&
      Number.isSafeInteger(data.step) &&
      Number.isInteger(data.period) &&
      (data.period as number) > 0
    )
      return data as UsedStep;
  } catch {}
  // Damaged, or (a hash collision) another serial's.
  return null;
}

function writeUsed(file: string, used: UsedStep): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Not fsynced: losing the last step in a power cut costs at most one wait or one refused code.
  atomicWrite(file, `${JSON.stringify(used)}\n`, false);
}
