import { isAbsolute, join, resolve } from "node:path";
import { parseDuration } from "../core/duration.js";
import { VswError } from "../core/errors.js";
import type { ResolveFlags } from "../core/types.js";
import { createVsw, type Vsw, type VswPlugin } from "../core/vsw.js";
import { builtinPlugins } from "../plugins/index.js";
import { devTty } from "./terminal.js";

/** Options every command takes. */
export interface GlobalArgs {
  keystore?: string | undefined;
  debug?: boolean | undefined;
  plugin?: string[] | undefined;
}

/** Options of the commands that resolve a profile. */
export interface ProfileArgs extends GlobalArgs {
  profile: string;
  duration?: string | undefined;
  noSession?: boolean | undefined;
  /** yargs' spelling of `--no-session`. */
  session?: boolean | undefined;
  region?: string | undefined;
  mfaToken?: string | undefined;
  /** `--mfa-serial`. */
  mfaSerial?: string | undefined;
}

/** Builds the core with the built-ins and any team plugins (`--plugin`, `VSW_PLUGINS`). */
export async function buildVsw(args: GlobalArgs & { mfaToken?: string | undefined }): Promise<Vsw> {
  const env = process.env;
  const vsw = createVsw({
    env,
    keystore: args.keystore,
    // VSW_NO_PROMPT=1 (the shells' quiet auto-refresh, scripts): no prompt of any plugin, ever.
    terminal: env.VSW_NO_PROMPT === "1" ? undefined : devTty,
    warn: (line) => process.stderr.write(`vsw: warning: ${line}\n`),
    debug: args.debug ? (line) => process.stderr.write(`vsw: debug: ${line}\n`) : undefined,
  });
  for (const plugin of builtinPlugins({ mfaToken: args.mfaToken })) vsw.use(plugin);
  const specs = [...(env.VSW_PLUGINS ?? "").split(",").map((s) => s.trim()), ...(args.plugin ?? [])].filter(
    Boolean,
  );
  for (const spec of specs) vsw.use(await loadPlugin(spec));
  return vsw;
}

/** The resolver flags of a profile command. */
export function resolveFlags(args: ProfileArgs): ResolveFlags {
  const flags: ResolveFlags = {};
  if (args.duration !== undefined) flags.durationSeconds = parseDuration(args.duration);
  if (args.noSession || args.session === false) flags.noSession = true;
  if (args.region) flags.region = args.region;
  if (args.mfaSerial) flags.mfaSerial = args.mfaSerial;
  return flags;
}

/**
 * Loads a team plugin: a path (relative to the working directory) or a package name resolved
 * from it. The module's default export is a plugin, or a factory that returns one.
 */
async function loadPlugin(spec: string): Promise<VswPlugin> {
  const { createRequire } = await import("node:module");
  const { pathToFileURL } = await import("node:url");
  let url: string;
  try {
    const local = spec.startsWith(".") || isAbsolute(spec);
    url = local
      ? pathToFileURL(resolve(spec)).href
      : pathToFileURL(createRequire(join(process.cwd(), "package.json")).resolve(spec)).href;
  } catch (cause) {
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" could not be found.`, {
      cause,
      hint: "Give a path to the plugin file, or install the package where you run vsw.",
    });
  }
  let exported: unknown;
  try {
    exported = ((await import(url)) as { default?: unknown }).default;
  } catch (cause) {
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" failed to load.`, {
      cause,
      hint: "Run with --debug for the stack trace.",
    });
  }
  const plugin = typeof exported === "function" ? (exported as () => unknown)() : exported;
  if (
    !plugin ||
    typeof (plugin as VswPlugin).apply !== "function" ||
    typeof (plugin as VswPlugin).name !== "string"
  ) {
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" does not export a vsw plugin.`, {
      hint: "Its default export must be { name, apply(vsw) } or a function returning one.",
    });
  }
  return plugin as VswPlugin;
}
