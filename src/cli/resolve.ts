import { parseDuration } from "../core/duration.js";
import { formatCredentials, resolveCredentials } from "../core/pipeline.js";
import type { FormatRequest, ResolveFlags } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import { buildVsw, type ProfileArgs, resolveFlags } from "./context.js";

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
  return { vsw, request: await resolveCredentials(vsw, args.profile, flags) };
}

/** Obtains credentials and prints them in `format` on stdout. */
export async function printCredentials(args: PrintArgs, format: string, shell?: string): Promise<void> {
  const { vsw, request } = await obtain(args);
  const text = await formatCredentials(vsw, format, shell === undefined ? request : { ...request, shell });
  process.stdout.write(text);
}
