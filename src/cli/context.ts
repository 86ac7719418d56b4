import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { assertApiVersion } from "../core/api-version.js";
import { parseDuration } from "../core/duration.js";
import { isVswError, VswError } from "../core/errors.js";
import { stateDir } from "../core/lock.js";
import type { ResolveFlags } from "../core/types.js";
import { createVsw, type Vsw, type VswPlugin } from "../core/vsw.js";
import { userEnvironment } from "../plugins/format/variables.js";
import { builtinPlugins } from "../plugins/index.js";
import { readVswConfig, type VswConfigFile, vswConfigPath } from "./plugin-config.js";
import { printable } from "./report.js";
import { shutDownOnExit } from "./shutdown.js";
import { devTty } from "./terminal.js";

declare const VSW_VERSION: string;

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

/** Where a loaded plugin came from, as `vsw plugins` shows it. */
export interface PluginRecord {
  name: string;
  version: string | undefined;
  /** `built-in`, `--plugin`, `VSW_PLUGINS` or `config` (the vsw config file). */
  from: "built-in" | "--plugin" | "VSW_PLUGINS" | "config";
  /** The specifier as written (absent for a built-in). */
  spec?: string;
  /** The module file it was loaded from (absent for a built-in). */
  file?: string;
  /** For `config`: the config file and the entry's name in its `[plugins]`. */
  config?: { file: string; label: string };
  /** The hooks it tapped, in hook-table order (`format.csv` for a HookMap's key). */
  hooks: string[];
}

/** A plugin to load: its specifier, where it was named, and its factory's options. */
interface PluginSource {
  spec: string;
  from: "--plugin" | "VSW_PLUGINS" | "config";
  /** The config file naming it: relative paths and packages resolve from its directory. */
  config?: { file: string; label: string };
  options?: Record<string, string>;
}

const records = new WeakMap<Vsw, PluginRecord[]>();

/** The plugins applied to a `Vsw` built by `buildVsw`, built-ins first, in order. */
export function pluginRecords(vsw: Vsw): readonly PluginRecord[] {
  return records.get(vsw) ?? [];
}

/**
 * Builds the core with the built-ins and the team plugins: the vsw config file's `[plugins]`, then
 * `VSW_PLUGINS`, then `--plugin`, in that order (a later one's taps run after an earlier one's in the
 * same stage). A plugin that fails to load stops vsw: a policy plugin must fail closed.
 */
export async function buildVsw(args: GlobalArgs & { mfaToken?: string | undefined }): Promise<Vsw> {
  const reuse = prebuilt;
  prebuilt = undefined;
  if (reuse && reuse.key === buildKey(args)) return reuse.vsw;
  // The user's own AWS_REGION/AWS_PROFILE, not the previous switch's (variables.ts): a switch must not
  // depend on the ones before it.
  const env = userEnvironment(process.env);
  const config = readVswConfig(env);
  const vsw = createVsw({
    env,
    keystore: args.keystore,
    settings: config?.settings ?? {},
    // VSW_NO_PROMPT=1 (the shells' quiet auto-refresh, scripts): no prompt of any plugin, ever.
    terminal: env.VSW_NO_PROMPT === "1" ? undefined : devTty,
    // A warning may carry a profile name from the config: escaped like every message.
    warn: (line) => process.stderr.write(`vsw: warning: ${printable(line)}\n`),
    debug: args.debug ? (line) => process.stderr.write(`vsw: debug: ${line}\n`) : undefined,
    onTap: (hookName) => recording?.add(hookName),
  });
  // Before any plugin is applied: one that started a server in `apply` is stopped even when a
  // later one fails to load.
  shutDownOnExit(vsw);
  const applied: PluginRecord[] = [];
  records.set(vsw, applied);
  const version = typeof VSW_VERSION === "string" ? VSW_VERSION : "dev";
  for (const plugin of builtinPlugins({ mfaToken: args.mfaToken })) {
    applied.push({ name: plugin.name, version, from: "built-in", hooks: tapped(() => vsw.use(plugin)) });
  }
  for (const source of pluginSources(env, args.plugin, config)) {
    const { plugin, file, version } = await loadPlugin(source, env);
    const hooks = tapped(() => applyPlugin(vsw, plugin, source.spec));
    applied.push({
      name: plugin.name,
      version: typeof plugin.version === "string" ? plugin.version : version,
      from: source.from,
      spec: source.spec,
      file,
      ...(source.config ? { config: source.config } : {}),
      hooks,
    });
  }
  const choice = await vsw.chooseKeystore();
  if (choice.notice) noticeOnce(env, choice.notice);
  return vsw;
}

/**
 * Says `text` on stderr the first time only: a marker named by its hash in
 * `$XDG_STATE_HOME/vsw/notices` remembers it (a new reason is a new notice). Best effort: a
 * read-only home repeats the notice rather than failing the command.
 */
function noticeOnce(env: Readonly<Record<string, string | undefined>>, text: string): void {
  const state = stateDir(env);
  const marker = state
    ? join(state, "notices", createHash("sha256").update(text).digest("hex").slice(0, 16))
    : undefined;
  if (marker && existsSync(marker)) return;
  process.stderr.write(`vsw: ${printable(text)}\n`);
  if (!marker) return;
  try {
    mkdirSync(dirname(marker), { recursive: true, mode: 0o700 });
    writeFileSync(marker, `${new Date().toISOString()} ${text}\n`, { mode: 0o600 });
  } catch {}
}

/**
 * A core built before the command line was parsed (yargs lists plugin commands), handed to the
 * command's own `buildVsw` once when it asks for the same options, so a plugin's `apply` (which may
 * start a server) runs once per process.
 */
let prebuilt: { key: string; vsw: Vsw } | undefined;

function buildKey(args: GlobalArgs & { mfaToken?: string | undefined }): string {
  return JSON.stringify([
    args.keystore ?? null,
    args.debug === true,
    args.plugin ?? [],
    args.mfaToken ?? null,
  ]);
}

/** Builds the core for `args` and keeps it for the command's own `buildVsw` with the same options. */
export async function prebuildVsw(args: GlobalArgs & { mfaToken?: string | undefined }): Promise<Vsw> {
  const vsw = await buildVsw(args);
  prebuilt = { key: buildKey(args), vsw };
  return vsw;
}

/** Whether any team plugin is named (config file, `VSW_PLUGINS`, `--plugin`), without loading one. */
export function hasTeamPlugins(plugins: readonly string[] | undefined): boolean {
  return pluginSources(userEnvironment(process.env), plugins).length > 0;
}

/** The team plugins to load, in order: the config file's, then `VSW_PLUGINS`, then `--plugin`. */
function pluginSources(
  env: NodeJS.ProcessEnv,
  flags: readonly string[] | undefined,
  config: VswConfigFile | undefined = readVswConfig(env),
): PluginSource[] {
  const fromConfig = (config?.plugins ?? []).map(
    (entry): PluginSource => ({
      spec: entry.spec,
      from: "config",
      config: { file: (config as VswConfigFile).file, label: entry.label },
      options: entry.options,
    }),
  );
  const list = (text: string | undefined) =>
    (text ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return [
    ...fromConfig,
    ...list(env.VSW_PLUGINS).map((spec): PluginSource => ({ spec, from: "VSW_PLUGINS" })),
    ...(flags ?? []).filter(Boolean).map((spec): PluginSource => ({ spec, from: "--plugin" })),
  ];
}

/**
 * Runs `apply` and answers the hooks it tapped: the taps of every hook (and of every key of a
 * HookMap) before and after. Tap names are the plugin's choice, so counting is the one sure way.
 */
/**
 * The hooks `apply` taps, heard from the hook table's register interceptor (`onTap`): one Set add
 * per tap, instead of counting every hook's taps around each plugin on the hot path.
 */
function tapped(apply: () => void): string[] {
  const hooks = new Set<string>();
  recording = hooks;
  try {
    apply();
  } finally {
    recording = undefined;
  }
  return [...hooks];
}

/** Where `onTap` records while `tapped` applies a plugin. */
let recording: Set<string> | undefined;

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

/** A loaded plugin module: the plugin its factory returned, its file, its package's version. */
interface LoadedPlugin {
  plugin: VswPlugin;
  file: string;
  version: string | undefined;
}

/**
 * Loaded plugins by file and options: a command that builds the core twice (yargs lists plugin
 * commands, then the handler runs) runs a plugin's module and factory once.
 */
const loaded = new Map<string, Promise<LoadedPlugin>>();

/**
 * Loads a team plugin: an absolute path, a path relative to the vsw config file naming it, or a
 * package name resolved from the config file's directory, the plugin directory (`VSW_PLUGIN_DIR`,
 * default `$XDG_DATA_HOME/vsw/plugins`) or vsw's own install. The module's default export is a
 * plugin, or a factory that returns one; a factory gets the plugin's options (`[plugin NAME]` of the
 * config file, `{}` otherwise).
 *
 * Security decision: nothing is ever resolved against the working directory. `cd` into a cloned
 * repository must not run its `node_modules` or `./x.mjs` with the unlocked keystore (on every
 * command, even Tab completion), so a relative path on the command line or in `VSW_PLUGINS` is
 * refused and a package found anywhere but the roots above is not loaded.
 */
async function loadPlugin(source: PluginSource, env: NodeJS.ProcessEnv): Promise<LoadedPlugin> {
  const { spec } = source;
  const located = await locate(source, env);
  const key = `${located.file}\0${JSON.stringify(source.options ?? {})}`;
  let promise = loaded.get(key);
  if (!promise) {
    promise = importPlugin(spec, located.file, source.options ?? {}, env).then((plugin) => ({
      plugin,
      ...located,
    }));
    loaded.set(key, promise);
  }
  return promise;
}

/** The module file of a plugin specifier, and its package's version when it is a package. */
async function locate(
  source: PluginSource,
  env: NodeJS.ProcessEnv,
): Promise<{ file: string; version: string | undefined }> {
  const { spec } = source;
  if (isAbsolute(spec)) return { file: spec, version: undefined };
  // Why: a path in the config file is relative to the file, as in .npmrc or git's includes; the
  // working directory never counts.
  if (source.config && /^\.\.?\//.test(spec))
    return { file: resolve(dirname(source.config.file), spec), version: undefined };
  if (source.config && spec.startsWith("~/") && env.HOME)
    return { file: join(env.HOME, spec.slice(2)), version: undefined };
  return resolvePackage(spec, env);
}

/**
 * Imports a plugin module. A plugin file that cannot resolve `vsw/plugin` itself (a single `.mjs`
 * beside no `node_modules/vsw`, with vsw installed globally) gets this vsw's own `dist/plugin.js`:
 * the API of the vsw that runs it. Only then is a resolve hook registered (a loader thread costs
 * start-up time), and the module is imported again under a new URL, as a failed import is cached.
 */
async function importWithApi(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    const api = new URL("./plugin.js", import.meta.url);
    const missing = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND";
    if (!missing || !/Cannot find package 'vsw'/.test((error as Error).message)) throw error;
    const { existsSync } = await import("node:fs");
    if (!existsSync(api)) throw error;
    const { register } = await import("node:module");
    const hook = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (error) {
    if (specifier === "vsw/plugin" && error?.code === "ERR_MODULE_NOT_FOUND") return { url: ${JSON.stringify(api.href)}, shortCircuit: true };
    throw error;
  }
}`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
    return import(`${url}${url.includes("?") ? "&" : "?"}vsw-api`);
  }
}

/** Imports a plugin module and runs its factory, within `VSW_PLUGIN_TIMEOUT`. */
async function importPlugin(
  spec: string,
  file: string,
  options: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<VswPlugin> {
  const { pathToFileURL } = await import("node:url");
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
        const exported = ((await importWithApi(pathToFileURL(file).href)) as { default?: unknown }).default;
        return typeof exported === "function"
          ? await (exported as (options: Record<string, string>) => unknown)({ ...options })
          : exported;
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
  // Before apply: a plugin written for another plugin API must not tap anything (Babel's assertVersion).
  assertApiVersion(plugin, spec);
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
async function resolvePackage(
  spec: string,
  env: NodeJS.ProcessEnv,
): Promise<{ file: string; version: string | undefined }> {
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
  // The vsw config file's directory first (`npm install --prefix ~/.config/vsw team-plugin`): where
  // the config names it. Then the plugin directory, then vsw's own install.
  const config = vswConfigPath(env);
  const roots: string[] = config ? [join(dirname(config), "node_modules")] : [];
  if (dir) roots.push(join(dir, "node_modules"));
  // The bundle is dist/vsw-hot.cjs or dist/vsw-cli.cjs, so its package root is one level up; its dependencies are in the
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
      if (found.startsWith(home + sep)) return { file: found, version: packageVersion(home) };
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

/** The `version` of a package's package.json, if it has one. */
function packageVersion(home: string): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(join(home, "package.json"), "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
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
