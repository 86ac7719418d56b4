import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs } from "../context.js";
import { profileOptions, yargsHead } from "../options.js";
import { type PrintArgs, printCredentials } from "../resolve.js";

export interface ExportArgs extends PrintArgs {
  format?: string | undefined;
  shell?: string | undefined;
}

/** `vsw export PROFILE --format F`: credentials in a format for programs and files. */
export function runExport(args: ExportArgs): Promise<void> {
  // Default json, as `aws configure export-credentials` defaults to the process document.
  return printCredentials(args, args.format ?? "json", args.shell);
}

export const exportCommand: CommandModule<GlobalArgs, ExportArgs> = {
  ...yargsHead("export"),
  builder: (yargs) => profileOptions(yargs, "export") as unknown as Argv<ExportArgs>,
  handler: runExport,
};
