/**
 * The errno code of a network failure (`ECONNREFUSED`), looked for in the error, its causes and an
 * AggregateError's errors: what the STS plugin and the source plugins that call AWS themselves name
 * in their messages.
 */

/** The network errors the SDK sometimes reports only in a message. */
const IN_MESSAGE = /\b(ECONNREFUSED|ENOTFOUND|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN)\b/;

/**
 * The code, or undefined. `fromMessage` also reads it from the messages (and "socket hang up" as
 * `ECONNRESET`), as the SDK's errors sometimes carry no code.
 */
export function networkCode(error: unknown, fromMessage = false, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 4) return undefined;
  const e = error as NodeJS.ErrnoException & { errors?: unknown[] };
  if (typeof e.code === "string" && /^E[A-Z_]+$/.test(e.code) && e.code !== "ERR_ASSERTION") return e.code;
  for (const inner of [...(Array.isArray(e.errors) ? e.errors : []), e.cause]) {
    const found = networkCode(inner, fromMessage, depth + 1);
    if (found) return found;
  }
  if (!fromMessage) return undefined;
  const match = IN_MESSAGE.exec(e.message ?? "");
  if (match?.[1]) return match[1];
  return /socket hang up/i.test(e.message ?? "") ? "ECONNRESET" : undefined;
}
