import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs, ProfileArgs } from "../context.js";
import { profileOptions } from "../options.js";
import { printCredentials } from "../resolve.js";

export interface ExportArgs extends ProfileArgs {
  format?: string | undefined;
  shell?: string | undefined;
}

/** `vsw export PROFILE --format F`: credentials in a format for programs and files. */
export function runExport(args: ExportArgs): Promise<void> {
  // Default json, as `aws configure export-credentials` defaults to the process document.
  return printCredentials(args, args.format ?? "json", args.shell);
}

export const exportCommand: CommandModule<GlobalArgs, ExportArgs> = {
  command: "export <profile>",
  describe: "Print PROFILE's session credentials (json is the credential_process document)",
  builder: (yargs) =>
    profileOptions(yargs)
      .option("format", {
        type: "string",
        describe: "env | json | ini | dotenv (or a plugin's format)",
        default: "json",
      })
      .option("shell", {
        type: "string",
        describe: "Shell for --format env (default: from $SHELL)",
      }) as unknown as Argv<ExportArgs>,
  handler: runExport,
};
