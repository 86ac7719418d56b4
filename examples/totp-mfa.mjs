#!/usr/bin/env node
// A demo and test `mfa_process`: prints a TOTP code for the secret in VSW_DEMO_TOTP_SECRET. AWS
// accepts each code once, so it remembers the codes it handed out in VSW_DEMO_MFA_LOG (one line per
// call, which also counts how often MFA was asked) and moves to the next 30 s step when needed.
// The secret comes from the environment, never argv, where `ps` would show it. Run with `--import tsx`.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { totp } from "../src/sandbox/totp.ts";

const secret = process.env.VSW_DEMO_TOTP_SECRET;
const log = process.env.VSW_DEMO_MFA_LOG;
if (!secret) {
  process.stderr.write("totp-mfa: VSW_DEMO_TOTP_SECRET is not set\n");
  process.exit(1);
}
const used = new Set(log && existsSync(log) ? readFileSync(log, "utf8").split("\n") : []);
const now = Math.floor(Date.now() / 1000);
const code = [now, now + 30, now - 30].map((t) => totp(secret, t)).find((c) => !used.has(c));
if (!code) {
  process.stderr.write("totp-mfa: no unused code in the accepted window\n");
  process.exit(1);
}
if (log) appendFileSync(log, `${code}\n`);
process.stdout.write(`${code}\n`);
