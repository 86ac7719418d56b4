import type { PluginCommand } from "../core/commands.js";
import { parseDuration } from "../core/duration.js";
import { isVswError, VswError } from "../core/errors.js";
import { formatCredentials, resolveCredentials } from "../core/pipeline.js";
import type { FormatRequest, ResolveFlags } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import { buildVsw, type ProfileArgs, resolveFlags } from "./context.js";
import { pluginCommands } from "./plugin-commands.js";
import { writeStdout } from "./stdout.js";

/** Options of the commands that print credentials (`env`, `export`). */
export interface PrintArgs extends ProfileArgs {
  /** `--min-remaining`: reuse a cached session only with this much life left (the shells' auto-refresh). */
  minRemaining?: string | undefined;
}

/** Builds the core and obtains the profile's credentials: the one call most commands make. */
export async function obtain(args: PrintArgs): Promise<{ vsw: Vsw; request: FormatRequest }> {
  const flags: ResolveFlags = resolveFlags(args);
  if (args.minRemaining !== undefined) flags.minRemainingSeconds = parseDuration(args.minRemaining);
  const vsw = await buildVsw(args);
  try {
    return { vsw, request: await resolveCredentials(vsw, args.profile, flags) };
  } catch (error) {
    throw commandNotProfile(vsw, args.profile, error);
  }
}

/**
 * Why: the shell function switches to any word it does not know as a command, and a plugin's
 * command is known only once plugins are loaded; so `vsw whoami` through the function arrives
 * here as a profile. The error then says how to run the command.
 */
function commandNotProfile(vsw: Vsw, name: string, error: unknown): unknown {
  if (!isVswError(error, "VSW_PROFILE_NOT_FOUND") || vsw.hooks.commands.taps.length === 0) return error;
  let commands: PluginCommand[];
  try {
    commands = pluginCommands(vsw);
  } catch {
    return error;
  }
  if (!commands.some((c) => c.name === name || c.aliases?.includes(name))) return error;
  return new VswError(error.code, error.message, {
    cause: error,
    hint: `"${name}" is a plugin's command; the shell function takes a word it does not know for a profile, so run it as: command vsw ${name}`,
  });
}

/** Obtains credentials and prints them in `format` on stdout. */
export async function printCredentials(args: PrintArgs, format: string, shell?: string): Promise<void> {
  const { vsw, request } = await obtain(args);
  const text = await formatCredentials(vsw, format, shell === undefined ? request : { ...request, shell });
  writeStdout(text);
}
