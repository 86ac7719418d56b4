/**
 * The sample organisation of `vsw sandbox`: who exists at the emulator and the ~/.aws/config that
 * reaches them. One base IAM user with a virtual MFA device, three roles in other accounts.
 */
import { quotePosix } from "../plugins/format/shell-quote.js";

/** The base user's MFA device. */
export const SANDBOX_MFA_SERIAL = "arn:aws:iam::111111111111:mfa/me";

/** The emulator's world (src/sandbox/world-config.ts), with the MFA seed chosen by the caller. */
export function sandboxWorld(mfaSecretBase32: string): object {
  return {
    users: [
      {
        account: "111111111111",
        name: "me",
        mfa: { serial: SANDBOX_MFA_SERIAL, secretBase32: mfaSecretBase32 },
      },
    ],
    roles: [
      { account: "222222222222", name: "dev", trust: { principals: ["111111111111"] } },
      { account: "444444444444", name: "staging", trust: { principals: ["111111111111"] } },
      {
        account: "333333333333",
        name: "prod",
        trust: { principals: ["111111111111"], requireMfa: true },
        maxSessionDuration: 43200,
      },
    ],
  };
}

/**
 * The config file: every profile names the emulator as its `endpoint_url` (so the AWS CLI and the
 * SDKs in the sandbox reach it too), and `base` answers MFA with `mfaCommand` (the sandbox's TOTP
 * generator), so `vsw dev` works without a phone. `prod` also asks for MFA itself.
 */
export function sandboxConfig(url: string, mfaCommand: string[]): string {
  const role = (name: string, account: string, region: string, extra = "") =>
    `[profile ${name}]
source_profile = base
role_arn = arn:aws:iam::${account}:role/${name}
region = ${region}
endpoint_url = ${url}
${extra}`;
  return `# vsw sandbox: a pretend organisation on the local STS emulator at ${url}.
# The keys of base are in the sandbox's file keystore; nothing here reaches AWS.

[profile base]
region = eu-west-1
mfa_serial = ${SANDBOX_MFA_SERIAL}
mfa_process = ${mfaCommand.map(quotePosix).join(" ")}
endpoint_url = ${url}

${role("dev", "222222222222", "eu-west-1")}
${role("staging", "444444444444", "eu-central-1")}
${role("prod", "333333333333", "us-east-2", `mfa_serial = ${SANDBOX_MFA_SERIAL}\n`)}`;
}
