/**
 * Durations as users type them (`--duration 15m`) and as plans print them. Range checks belong to
 * the caller: GetSessionToken and AssumeRole allow different ranges.
 */
import { VswError } from "./errors.js";

const UNITS = { h: 3600, m: 60, s: 1 } as const;

/**
 * Parses `900s`, `15m`, `1h`, `12h`, `1h30m`, `1h30m15s` or bare seconds (`3600`) into whole seconds.
 * Units come in the order h, m, s, each at most once (Go's and aws-vault's spelling, without
 * fractions). Anything else, and zero, is a `VSW_USAGE` error.
 */
export function parseDuration(text: string): number {
  const value = text.trim();
  let seconds: number | undefined;
  if (/^\d+$/.test(value)) {
    seconds = Number(value);
  } else {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
    if (match && value !== "") {
      seconds =
        Number(match[1] ?? 0) * UNITS.h + Number(match[2] ?? 0) * UNITS.m + Number(match[3] ?? 0) * UNITS.s;
    }
  }
  if (seconds === undefined || !Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new VswError("VSW_USAGE", `Duration "${text}" is not valid: expected a positive duration.`, {
      hint: "Write it as 900s, 15m, 1h, 1h30m or a number of seconds.",
    });
  }
  return seconds;
}

/** Formats whole seconds the way {@link parseDuration} reads them: `3600` → `1h`, `5400` → `1h30m`. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.trunc(seconds));
  let out = "";
  for (const [unit, size] of Object.entries(UNITS)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) out += `${count}${unit}`;
  }
  return out || "0s";
}
