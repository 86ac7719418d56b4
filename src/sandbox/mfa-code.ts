/**
 * The sandbox's `mfa_process`: `node dist/sandbox.js code DIR` prints a TOTP code for the virtual
 * MFA device whose seed is in `DIR/mfa-secret`. The emulator, like AWS, takes each code once, so
 * the codes handed out are remembered in `DIR/mfa-used` (one line per ask) and the next unused
 * code of the accepted window (now, +30 s, -30 s) is printed.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { totp } from "./totp.js";

/** The next unused code for the sandbox in `dir`; throws when every code of the window was used. */
export function nextSandboxCode(dir: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const secret = readFileSync(join(dir, "mfa-secret"), "utf8").trim();
  const log = join(dir, "mfa-used");
  const used = new Set(existsSync(log) ? readFileSync(log, "utf8").split("\n") : []);
  const code = [nowSeconds, nowSeconds + 30, nowSeconds - 30]
    .map((t) => totp(secret, t))
    .find((c) => !used.has(c));
  if (!code) throw new Error("every MFA code of the current 90 s window was used; wait 30 s");
  appendFileSync(log, `${code}\n`);
  return code;
}
