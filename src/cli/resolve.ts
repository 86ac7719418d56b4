import { credentialsFor, formatCredentials, planFor } from "../core/pipeline.js";
import type { FormatRequest } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import { buildVsw, type ProfileArgs, resolveFlags } from "./context.js";

/** Builds the core, resolves the profile and obtains its credentials: the one call most commands make. */
export async function obtain(args: ProfileArgs): Promise<{ vsw: Vsw; request: FormatRequest }> {
  const vsw = await buildVsw(args);
  const plan = await planFor(vsw, args.profile, resolveFlags(args));
  const credentials = await credentialsFor(vsw, plan);
  return { vsw, request: { profile: plan.profile, region: plan.region, credentials } };
}

/** Obtains credentials and prints them in `format` on stdout. */
export async function printCredentials(args: ProfileArgs, format: string, shell?: string): Promise<void> {
  const { vsw, request } = await obtain(args);
  const text = await formatCredentials(vsw, format, shell === undefined ? request : { ...request, shell });
  process.stdout.write(text);
}
