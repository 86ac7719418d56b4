/** Placeholder: the `keychain` keystore plugin (issue 9) is being written. */
import type { VswPlugin } from "../../plugin.js";

export function keychainKeystore(): VswPlugin {
  return { name: "keystore-keychain", apply() {} };
}
