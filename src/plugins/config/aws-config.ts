import { type BigIntStats, closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Env, VswPlugin } from "../../plugin.js";
import { buildSectionIndex, type SectionIndex, STAGE_DEFAULT, VswError } from "../../plugin.js";
import { sectionIndexFor } from "./config-index-store.js";

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
        const config = readOrEmpty(configFile);
        const credentials = readOrEmpty(credentialsFile);
        const texts = {
          configFile,
          configText: config.text,
          credentialsFile,
          credentialsText: credentials.text,
        };
        // A large config: the resolver parses only the sections a switch needs (config-index-store.ts).
        const trace = (path: string) => (what: string) =>
          vsw.hooks.trace.call(`${NAME}: section index of "${path}": ${what}`);
        const configIndex = sectionIndexFor(
          vsw.env,
          configFile,
          "config",
          config.text,
          config.stats,
          trace(configFile),
        );
        if (configIndex === undefined) return { ...input, ...texts };
        const credentialsIndex =
          sectionIndexFor(
            vsw.env,
            credentialsFile,
            "credentials",
            credentials.text,
            credentials.stats,
            trace(credentialsFile),
          ) ?? smallIndex(credentials.text, credentialsFile);
        if (credentialsIndex === undefined) return { ...input, ...texts };
        return { ...input, ...texts, sectionIndex: { config: configIndex, credentials: credentialsIndex } };
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
function readOrEmpty(path: string): { text: string; stats?: BigIntStats } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "" };
    throw error;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
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
    return { text: readFileSync(fd, "utf8"), stats };
  } finally {
    closeSync(fd);
  }
}

/** The index of a file too small to keep one for, or undefined when it does not parse. */
function smallIndex(text: string, path: string): SectionIndex | undefined {
  try {
    return buildSectionIndex(text, path, "credentials");
  } catch {
    return undefined;
  }
}
