import type { Argv } from "yargs";

/** Adds the options shared by every command that resolves a profile. */
export function profileOptions<T>(yargs: Argv<T>) {
  return (
    yargs
      .positional("profile", {
        type: "string",
        demandOption: true,
        describe: "Profile name from ~/.aws/config",
      })
      .option("duration", { type: "string", describe: "Session duration: 900s, 15m, 1h, 12h" })
      // Declared as "session" so yargs' boolean negation gives `--no-session` (session: false).
      .option("session", {
        type: "boolean",
        describe: "--no-session: no GetSessionToken (the stored keys, or a role assumed from them)",
      })
      .option("region", { type: "string", describe: "Region (beats AWS_REGION and the profile)" })
      .option("mfa-token", { type: "string", describe: "The current MFA code (6 digits)" })
      .option("mfa-serial", {
        type: "string",
        describe: "MFA device ARN to use (beats AWS_MFA_SERIAL and the profile's mfa_serial)",
      })
  );
}
