/**
 * `vsw/plugin`: the public plugin API. Team plugins and vsw's own built-ins import only this
 * module (a test enforces it for src/plugins), so the API is exercised on every run.
 *
 * ```js
 * import { definePlugin, STAGE_DEFAULT, VswError } from "vsw/plugin";
 *
 * export default definePlugin((options = {}) => ({
 *   name: "acme-mfa",
 *   apiVersion: "^1.0.0",
 *   apply(vsw) {
 *     vsw.hooks.mfaToken.tapPromise({ name: "acme-mfa", stage: STAGE_DEFAULT }, async (request) => …);
 *   },
 * }));
 * ```
 */
import type { VswPlugin } from "./core/vsw.js";

export { apiVersion } from "./core/api-version.js";
export type { CommandArgs, CommandSpec, FlagSpec, PluginCommand, ValueKind } from "./core/commands.js";
export { formatDuration, parseDuration } from "./core/duration.js";
export {
  commandHint,
  type ErrorCode,
  isVswError,
  PluginError,
  shellWord,
  VSW_ERROR_BRAND,
  VswError,
  type VswErrorCode,
  type VswErrorOptions,
} from "./core/errors.js";
export type { Hooks } from "./core/hooks.js";
export {
  keysItem,
  type ParsedItem,
  parseItem,
  type StoredKeys,
  type StoredSession,
  sessionItem,
} from "./core/items.js";
export type { KeystoreChoice } from "./core/keystore-choice.js";
export {
  type FileLockOptions,
  type LockFunction,
  type LockOptions,
  stateDir,
  withFileLock,
} from "./core/lock.js";
/**
 * The credentials of a profile through the whole pipeline a command runs (`loadConfig`, `plan`,
 * `authorize`, the cache, MFA, `session`, `credentials`): what `vsw env` hands out, for a plugin
 * command that needs a session (`vsw exec --server` mints its refreshed sessions with it).
 */
export { resolveCredentials } from "./core/pipeline.js";
export {
  STAGE_CACHE,
  STAGE_DEFAULT,
  STAGE_EXPLICIT,
  STAGE_INTERACTIVE,
  STAGE_POLICY,
  STAGE_PREFLIGHT,
} from "./core/stages.js";
export type * from "./core/types.js";
export type {
  ChildSecrets,
  Terminal,
  TerminalStreams,
  Vsw,
  VswOptions,
  VswPlugin,
  VswSettings,
} from "./core/vsw.js";

/** A plugin factory: its options (from `[plugin NAME]` of the vsw config) in, a plugin out. */
export type VswPluginFactory<Options = Record<string, string>> = (options?: Options) => VswPlugin;

/**
 * Gives a plugin, or a factory of one, its types; returns it unchanged (rollup's `defineConfig`).
 * A module's default export is either; the loader calls a factory with the plugin's options.
 */
export function definePlugin<P extends VswPlugin>(plugin: P): P;
export function definePlugin<Options, P extends VswPlugin>(
  factory: (options?: Options) => P,
): (options?: Options) => P;
export function definePlugin(plugin: VswPlugin | ((options?: unknown) => VswPlugin)): unknown {
  return plugin;
}
