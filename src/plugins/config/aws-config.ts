import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STAGE_DEFAULT } from "../../core/hooks.js";
import type { Env } from "../../core/types.js";
import type { VswPlugin } from "../../core/vsw.js";

const NAME = "config-aws";

/**
 * Reads the shared config and credentials files as the AWS CLI does: `AWS_CONFIG_FILE` (default
 * `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`). A missing file
 * reads as empty, as for the CLI.
 */
export function awsConfig(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.loadConfig.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (input) => {
        const { configFile, credentialsFile } = configPaths(vsw.env);
        const configText = readOrEmpty(configFile);
        const credentialsText = readOrEmpty(credentialsFile);
        return { ...input, configFile, configText, credentialsFile, credentialsText };
      });
    },
  };
}

/** The paths of the two files, from the environment. */
export function configPaths(env: Env): { configFile: string; credentialsFile: string } {
  const home = env.HOME ?? env.USERPROFILE ?? ".";
  return {
    configFile: env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"),
  };
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
