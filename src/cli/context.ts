import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { parseDuration } from "../core/duration.js";
import { isVswError, VswError } from "../core/errors.js";
import type { ResolveFlags } from "../core/types.js";
import { createVsw, type Vsw, type VswPlugin } from "../core/vsw.js";
import { userEnvironment } from "../plugins/format/variables.js";
import { builtinPlugins } from "../plugins/index.js";
import { printable } from "./report.js";
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
  // The user's own AWS_REGION/AWS_PROFILE, not the previous switch's (variables.ts): a switch must not
  // depend on the ones before it.
  const env = userEnvironment(process.env);
  const vsw = createVsw({
    env,
    keystore: args.keystore,
    // VSW_NO_PROMPT=1 (the shells' quiet auto-refresh, scripts): no prompt of any plugin, ever.
    terminal: env.VSW_NO_PROMPT === "1" ? undefined : devTty,
    // A warning may carry a profile name from the config: escaped like every message.
    warn: (line) => process.stderr.write(`vsw: warning: ${printable(line)}\n`),
    debug: args.debug ? (line) => process.stderr.write(`vsw: debug: ${line}\n`) : undefined,
  });
  for (const plugin of builtinPlugins({ mfaToken: args.mfaToken })) vsw.use(plugin);
  const specs = [...(env.VSW_PLUGINS ?? "").split(",").map((s) => s.trim()), ...(args.plugin ?? [])].filter(
    Boolean,
  );
  for (const spec of specs) applyPlugin(vsw, await loadPlugin(spec, env), spec);
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

/** How long a plugin module may take to load (its top-level code and factory), in seconds. */
const DEFAULT_PLUGIN_TIMEOUT_SECONDS = 10;

/**
 * Loads a team plugin: an absolute path, or a package name resolved from the plugin directory
 * (`VSW_PLUGIN_DIR`, default `$XDG_DATA_HOME/vsw/plugins`) or from vsw's own install. The module's
 * default export is a plugin, or a factory that returns one.
 *
 * Security decision: nothing is ever resolved against the working directory. `cd` into a cloned
 * repository must not run its `node_modules` or `./x.mjs` with the unlocked keystore (on every
 * command, even Tab completion), so a relative path is refused and a package found anywhere but
 * the two roots above is not loaded.
 */
async function loadPlugin(spec: string, env: NodeJS.ProcessEnv): Promise<VswPlugin> {
  const { pathToFileURL } = await import("node:url");
  const file = isAbsolute(spec) ? spec : await resolvePackage(spec, env);
  const timeoutSeconds = pluginTimeout(env);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The abandoned module may keep timers or sockets alive: once the error is reported, exit
      // anyway (an unref'd timer never keeps vsw alive by itself).
      setTimeout(() => process.exit(), 1000).unref();
      reject(
        new VswError(
          "VSW_PLUGIN_LOAD",
          `Plugin "${spec}" did not finish loading within ${timeoutSeconds} s.`,
          {
            hint: "Its module or factory waits for something that never comes; fix the plugin or remove it.",
          },
        ),
      );
    }, timeoutSeconds * 1000);
  });
  let plugin: unknown;
  try {
    plugin = await Promise.race([
      (async () => {
        const exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
        return typeof exported === "function" ? await (exported as () => unknown)() : exported;
      })(),
      deadline,
    ]);
  } catch (cause) {
    if (isVswError(cause, "VSW_PLUGIN_LOAD")) throw cause;
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" failed to load: ${describe(cause)}`, {
      cause,
      hint: "Fix or remove the plugin; run with --debug for the stack trace.",
    });
  } finally {
    clearTimeout(timer);
  }
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

/** Applies a loaded plugin; an error thrown by its `apply` names the plugin. */
function applyPlugin(vsw: Vsw, plugin: VswPlugin, spec: string): void {
  try {
    vsw.use(plugin);
  } catch (cause) {
    if (isVswError(cause)) throw cause;
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" failed in apply: ${describe(cause)}`, {
      cause,
      hint: "Fix or remove the plugin; run with --debug for the stack trace.",
    });
  }
}

/** The plugin directory: `VSW_PLUGIN_DIR`, else `$XDG_DATA_HOME/vsw/plugins`, else `~/.local/share/vsw/plugins`. */
export function pluginDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VSW_PLUGIN_DIR) {
    if (!isAbsolute(env.VSW_PLUGIN_DIR)) {
      throw new VswError(
        "VSW_PLUGIN_LOAD",
        `VSW_PLUGIN_DIR must be an absolute path, not "${env.VSW_PLUGIN_DIR}".`,
        {
          hint: "Plugins are never looked up relative to the working directory.",
        },
      );
    }
    return env.VSW_PLUGIN_DIR;
  }
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)) return join(env.XDG_DATA_HOME, "vsw", "plugins");
  return env.HOME ? join(env.HOME, ".local", "share", "vsw", "plugins") : undefined;
}

/**
 * Resolves a package name from the plugin directory's `node_modules`, then from vsw's own install
 * (where `npm install -g vsw team-plugin` puts it). Node's resolution also walks up to parent
 * directories, `NODE_PATH` and global folders, so a result is kept only if it lies in the
 * `node_modules` the lookup started from.
 */
async function resolvePackage(spec: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (/^[.~]/.test(spec) || spec.includes("\\")) {
    throw new VswError(
      "VSW_PLUGIN_LOAD",
      `Plugin "${spec}" is a relative path; vsw loads plugins only from absolute paths.`,
      {
        hint: `Plugins never load from the working directory. If you trust the file, name it absolutely: --plugin ${JSON.stringify(resolve(spec.replace(/^~(?=\/|$)/, env.HOME ?? "~")))}`,
      },
    );
  }
  const { createRequire } = await import("node:module");
  const { realpathSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const dir = pluginDir(env);
  const roots: string[] = dir ? [join(dir, "node_modules")] : [];
  // The bundle is dist/vsw.js, so its package root is one level up; its dependencies are in the
  // node_modules of that root or of an ancestor (the global folder `npm install -g` put it in).
  for (let d = dirname(dirname(realpathSync(fileURLToPath(import.meta.url)))); ; d = dirname(d)) {
    roots.push(basename(d) === "node_modules" ? d : join(d, "node_modules"));
    if (dirname(d) === d) break;
  }
  const name = spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");
  let failure: unknown;
  for (const modules of roots) {
    let home: string;
    try {
      home = realpathSync(join(modules, name));
    } catch {
      continue; // Not installed in this root.
    }
    try {
      // Node's lookup starts in `modules`; it may also walk up or read NODE_PATH, hence the check.
      const found = realpathSync(createRequire(join(dirname(modules), "vsw-plugin-lookup.js")).resolve(spec));
      if (found.startsWith(home + sep)) return found;
    } catch (cause) {
      failure = cause;
    }
  }
  if (failure) {
    throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" failed to load: ${describe(failure)}`, {
      cause: failure,
      hint: "Check the package's main or exports field.",
    });
  }
  throw new VswError("VSW_PLUGIN_LOAD", `Plugin "${spec}" could not be found.`, {
    hint: dir
      ? `Install it into the plugin directory (npm install --prefix ${JSON.stringify(dir)} ${spec}) or give its absolute path.`
      : "Set VSW_PLUGIN_DIR and install it there, or give its absolute path.",
  });
}

function pluginTimeout(env: NodeJS.ProcessEnv): number {
  const raw = env.VSW_PLUGIN_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_PLUGIN_TIMEOUT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `VSW_PLUGIN_TIMEOUT must be a positive number of seconds, not "${raw}".`,
    );
  }
  return seconds;
}

/** One line for an error a plugin raised: its class and first message line, never a stack. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split("\n")[0] ?? "";
  const first = (error.message.split("\n")[0] ?? "").trim();
  return error.name && error.name !== "Error" ? `${error.name}: ${first}` : first || error.name;
}
