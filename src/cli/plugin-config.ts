/**
 * The vsw config file, `$XDG_CONFIG_HOME/vsw/config` (default `~/.config/vsw/config`): which team
 * plugins to load, and the options handed to each plugin's factory.
 *
 * ```ini
 * # ~/.config/vsw/config
 * [plugins]
 * policy = ./acme-policy.mjs          ; a path, relative to this file
 * gha    = vsw-format-github-actions  ; a package: ~/.config/vsw/node_modules, then VSW_PLUGIN_DIR, then vsw's install
 *
 * [plugin policy]
 * profiles = prod-*
 * hours = 08-19
 *
 * [vsw]
 * keystore = pass                     ; below --keystore and VSW_KEYSTORE
 * mfa_source = totp                   ; below a profile's mfa_source and VSW_MFA_SOURCE
 * ```
 *
 * Read on every command (one `open` when the file does not exist), so it stays a tiny parser with
 * no import beyond `node:`.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { VswError } from "../core/errors.js";
import type { VswSettings } from "../core/vsw.js";

/** One `[plugins]` entry with its `[plugin NAME]` options. */
export interface PluginEntry {
  /** The entry's name in the file, which its `[plugin NAME]` section refers to. */
  label: string;
  /** A path (absolute, `./…`, `../…` relative to the file, `~/…`) or a package name. */
  spec: string;
  /** The `[plugin NAME]` section: every value a string, handed to the plugin's factory. */
  options: Record<string, string>;
}

/** The parsed vsw config file. */
export interface VswConfigFile {
  file: string;
  plugins: PluginEntry[];
  /** The `[vsw]` section: defaults below the environment and the profile. */
  settings: VswSettings;
}

/** The keys `[vsw]` takes, and the setting each one fills. */
const SETTINGS: Readonly<Record<string, keyof VswSettings>> = {
  keystore: "keystore",
  mfa_source: "mfaSource",
};

/**
 * Where the vsw config file is: `$XDG_CONFIG_HOME/vsw/config`, else `~/.config/vsw/config`.
 * The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
 */
export function vswConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME))
    return join(env.XDG_CONFIG_HOME, "vsw", "config");
  return env.HOME && isAbsolute(env.HOME) ? join(env.HOME, ".config", "vsw", "config") : undefined;
}

/** Reads the vsw config file; `undefined` when there is none. */
export function readVswConfig(env: NodeJS.ProcessEnv): VswConfigFile | undefined {
  const file = vswConfigPath(env);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new VswError("VSW_CONFIG_INVALID", `The vsw config file "${file}" cannot be read.`, {
      cause: error,
      hint: (error as NodeJS.ErrnoException).code ?? undefined,
    });
  }
  return parseVswConfig(text, file);
}

/**
 * Parses the config text. Strict on purpose: it names code to run with the keystore unlocked and
 * the options of policy plugins, so a typo (an unknown section, options for a plugin not listed,
 * a line that is not `key = value`) is an error naming the line, never silently skipped.
 */
export function parseVswConfig(text: string, file: string): VswConfigFile {
  const plugins: PluginEntry[] = [];
  const options = new Map<string, { values: Record<string, string>; line: number }>();
  const settings: VswSettings = {};
  let section:
    | { kind: "plugins" }
    | { kind: "vsw" }
    | { kind: "plugin"; values: Record<string, string> }
    | undefined;
  const fail = (line: number, what: string, hint?: string): never => {
    throw new VswError("VSW_CONFIG_INVALID", `The vsw config file "${file}" line ${line}: ${what}`, {
      hint:
        hint ??
        "The format: a [plugins] section of NAME = PATH-OR-PACKAGE, [plugin NAME] sections of options, and a [vsw] section of settings (keystore, mfa_source).",
    });
  };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const number = index + 1;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*([^\]]*?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1] as string;
      if (name === "plugins") {
        section = { kind: "plugins" };
        continue;
      }
      if (name === "vsw") {
        section = { kind: "vsw" };
        continue;
      }
      const plugin = /^plugin\s+(\S+)$/.exec(name);
      if (!plugin) fail(number, `unknown section "[${name}]".`);
      const label = (plugin as RegExpExecArray)[1] as string;
      if (options.has(label)) fail(number, `section "[plugin ${label}]" appears twice.`);
      // No prototype: an option named `__proto__` is an option, not a prototype.
      const values = Object.create(null) as Record<string, string>;
      options.set(label, { values, line: number });
      section = { kind: "plugin", values };
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) fail(number, `"${line}" is not KEY = VALUE.`);
    if (!section) fail(number, `"${line}" comes before any section.`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (section?.kind === "vsw") {
      const setting = Object.hasOwn(SETTINGS, key) ? SETTINGS[key] : undefined;
      if (!setting)
        fail(
          number,
          `unknown setting "${key}" in [vsw].`,
          `[vsw] takes: ${Object.keys(SETTINGS).join(", ")}.`,
        );
      if (settings[setting as keyof VswSettings] !== undefined)
        fail(number, `setting "${key}" is set twice.`);
      if (value === "") fail(number, `setting "${key}" has no value.`);
      settings[setting as keyof VswSettings] = value;
    } else if (section?.kind === "plugins") {
      if (plugins.some((p) => p.label === key)) fail(number, `plugin "${key}" is listed twice.`);
      if (value === "") fail(number, `plugin "${key}" names no path or package.`);
      plugins.push({ label: key, spec: value, options: {} });
    } else if (section) {
      if (Object.hasOwn(section.values, key)) fail(number, `option "${key}" is set twice.`);
      section.values[key] = value;
    }
  }
  for (const [label, { values, line }] of options) {
    const entry = plugins.find((p) => p.label === label);
    if (!entry) fail(line, `"[plugin ${label}]" has options for a plugin that [plugins] does not list.`);
    (entry as PluginEntry).options = values;
  }
  return { file, plugins, settings };
}

/** The directory a config file's relative paths and packages are resolved from. */
export function configDir(config: VswConfigFile): string {
  return dirname(config.file);
}
