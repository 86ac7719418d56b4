import { formatCredentials, resolveCredentials } from "../core/pipeline.js";
import type { FormatRequest } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import { buildVsw, type ProfileArgs, resolveFlags } from "./context.js";

/** Builds the core and obtains the profile's credentials: the one call most commands make. */
export async function obtain(args: ProfileArgs): Promise<{ vsw: Vsw; request: FormatRequest }> {
  const vsw = await buildVsw(args);
  return { vsw, request: await resolveCredentials(vsw, args.profile, resolveFlags(args)) };
}

/** Obtains credentials and prints them in `format` on stdout. */
export async function printCredentials(args: ProfileArgs, format: string, shell?: string): Promise<void> {
  const { vsw, request } = await obtain(args);
  const text = await formatCredentials(vsw, format, shell === undefined ? request : { ...request, shell });
  process.stdout.write(text);
}
