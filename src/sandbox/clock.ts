/**
 * The emulator's virtual clock: real time plus an offset that tests move. It decides when sessions
 * are issued and when they expire, so a test can reach an hour-long session's expiry instantly.
 */

/** A clock that runs with real time but can be moved; only session lifetimes follow it. */
export interface VirtualClock {
  /** The emulator's current time. */
  now(): Date;
  /** The emulator's current time in milliseconds since the epoch. */
  nowMs(): number;
  /** Moves the clock forward (or back, when negative) by `seconds`. */
  advance(seconds: number): void;
  /** Sets the clock to `date`; it keeps running from there. */
  set(date: Date | string | number): void;
  /** Puts the clock back on real time. */
  reset(): void;
}

/**
 * Creates a virtual clock.
 * @param wallMs the real clock, injectable so the clock itself can be tested.
 */
export function createVirtualClock(wallMs: () => number = Date.now): VirtualClock {
  let offsetMs = 0;
  const nowMs = () => wallMs() + offsetMs;
  return {
    now: () => new Date(nowMs()),
    nowMs,
    advance(seconds) {
      if (!Number.isFinite(seconds)) {
        throw new RangeError(`Clock advance must be a finite number, got ${seconds}.`);
      }
      offsetMs += seconds * 1000;
    },
    set(date) {
      const target = new Date(date).getTime();
      if (Number.isNaN(target)) throw new RangeError(`Clock set needs a valid date, got "${String(date)}".`);
      offsetMs = target - wallMs();
    },
    reset() {
      offsetMs = 0;
    },
  };
}
