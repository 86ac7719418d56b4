#!/usr/bin/env node
// A demo `mfa_process`: prints the current TOTP code for the secret in VSW_DEMO_TOTP_SECRET and
// counts how often it was asked (one line per call in VSW_DEMO_MFA_LOG). The secret comes from the
// environment, never argv, where `ps` would show it. A real setup uses a YubiKey or the TOTP plugin.
import { appendFileSync } from "node:fs";
import { totp } from "../src/sandbox/totp.ts";

const secret = process.env.VSW_DEMO_TOTP_SECRET;
if (!secret) {
  process.stderr.write("totp-mfa: VSW_DEMO_TOTP_SECRET is not set\n");
  process.exit(1);
}
if (process.env.VSW_DEMO_MFA_LOG) appendFileSync(process.env.VSW_DEMO_MFA_LOG, "asked\n");
process.stdout.write(`${totp(secret, Math.floor(Date.now() / 1000))}\n`);
