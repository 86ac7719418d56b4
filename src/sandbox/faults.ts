/**
 * Fault injection: make the next matching requests fail or stall, to test a client's retries,
 * back-off and time-outs.
 */
import { internalFailure, type StsError, throttling } from "./errors.js";

/** What a fault does to a request. */
export type FaultKind = "throttle" | "server-error" | "delay";

/** A fault to inject. */
export interface FaultSpec {
  /** Only requests for this `Action`; any action when omitted. */
  action?: string;
  /** `throttle` → 400 Throttling; `server-error` → 500 InternalFailure; `delay` → answer normally after `delayMs`. */
  kind: FaultKind;
  /** How many matching requests it hits. Default 1. */
  times?: number;
  /** For `delay`: milliseconds to wait before handling the request. Default 1000. */
  delayMs?: number;
}

/** What to do with one request. */
export type FaultEffect =
  | { kind: "none" }
  | { kind: "delay"; ms: number }
  | { kind: "fail"; error: StsError };

/** A first-in, first-out queue of faults. */
export interface FaultQueue {
  add(fault: FaultSpec): void;
  clear(): void;
  /** Takes one hit from the oldest fault matching `action`. */
  take(action: string | undefined): FaultEffect;
}

/** Creates an empty fault queue. */
export function createFaultQueue(): FaultQueue {
  const queue: Array<{ spec: FaultSpec; left: number }> = [];
  return {
    add(spec) {
      const times = spec.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError(`Fault times must be 1 or more, got ${times}.`);
      }
      queue.push({ spec: { ...spec }, left: times });
    },
    clear() {
      queue.length = 0;
    },
    take(action) {
      const index = queue.findIndex(({ spec }) => spec.action === undefined || spec.action === action);
      const entry = queue[index];
      if (!entry) return { kind: "none" };
      entry.left -= 1;
      if (entry.left === 0) queue.splice(index, 1);
      switch (entry.spec.kind) {
        case "throttle":
          return { kind: "fail", error: throttling() };
        case "server-error":
          return { kind: "fail", error: internalFailure() };
        case "delay":
          return { kind: "delay", ms: entry.spec.delayMs ?? 1000 };
      }
    },
  };
}
