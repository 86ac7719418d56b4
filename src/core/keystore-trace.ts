/**
 * The keystore a plugin hands to the `keystore` hook, wrapped the way taps are: every call is a
 * `--debug` trace line naming the method and the plugin (never an item name or a value: names
 * may say which accounts exist, values are secrets), and an error thrown inside it is attributed
 * to the plugin (`origin` on a vsw error, recognised by its brand; anything else becomes
 * `VSW_PLUGIN_ERROR` naming plugin and method, with the original as `cause`).
 */
import { isVswError, PluginError } from "./errors.js";
import type { Keystore } from "./types.js";

/** The methods of the keystore contract that are traced and attributed. */
const METHODS = ["open", "list", "get", "set", "delete"] as const;

/** Wraps `keystore`, answered by the plugin `plugin`, so its calls are traced and its errors attributed. */
export function traceKeystore(keystore: Keystore, plugin: string, trace: (line: string) => void): Keystore {
  const blame = (method: string, error: unknown): unknown => {
    const hook = `keystore.${method}`;
    if (isVswError(error)) {
      error.origin ??= { plugin, hook };
      return error;
    }
    return new PluginError(plugin, hook, error);
  };
  const wrapped: Record<string, unknown> = {};
  for (const method of METHODS) {
    const fn = keystore[method] as (...args: unknown[]) => Promise<unknown>;
    wrapped[method] = async (...args: unknown[]) => {
      trace(`keystore.${method} → ${plugin}`);
      try {
        return await fn.apply(keystore, args);
      } catch (error) {
        throw blame(method, error);
      }
    };
  }
  if (keystore.lock) {
    const lock = keystore.lock;
    wrapped.lock = () => {
      trace(`keystore.lock → ${plugin}`);
      try {
        return lock.call(keystore);
      } catch (error) {
        throw blame("lock", error);
      }
    };
  }
  // Any other property (a backend's own, such as the file store's `dir`) reads through.
  return new Proxy(keystore, {
    get: (target, key, receiver) =>
      typeof key === "string" && key in wrapped ? wrapped[key] : Reflect.get(target, key, receiver),
  });
}
