import type { VswPlugin } from "../../plugin.js";

const NAME = "command-rotate";

export function rotateCommand(): VswPlugin {
  return { name: NAME, apply() {} };
}
