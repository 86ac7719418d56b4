import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Env, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, VswError } from "../../plugin.js";

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

/** The largest config or credentials file read (real ones are kilobytes). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * The file's text; a missing file reads as empty. Opened without blocking and checked before
 * reading, so `AWS_CONFIG_FILE=/dev/zero`, a FIFO or a directory is a clear error, not a hang or an
 * exhausted heap.
 */
function readOrEmpty(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      const what = stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a pipe" : "not a regular file";
      throw new VswError("VSW_CONFIG_INVALID", `The AWS config file "${path}" is ${what}.`, {
        hint: "Point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at a regular file.",
      });
    }
    if (stats.size > MAX_CONFIG_BYTES) {
      throw new VswError(
        "VSW_CONFIG_INVALID",
        `The AWS config file "${path}" is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB.`,
        { hint: "Point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at your real config file." },
      );
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
