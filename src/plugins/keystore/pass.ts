/** Placeholder: the `pass` keystore plugin (issue 9) is being written. */
import type { VswPlugin } from "../../plugin.js";

export function passKeystore(): VswPlugin {
  return { name: "keystore-pass", apply() {} };
}
