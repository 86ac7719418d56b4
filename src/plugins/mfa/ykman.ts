/** Placeholder: the `ykman` MFA source plugin (issue 10) is being written. */
import type { VswPlugin } from "../../plugin.js";

export function ykmanMfa(): VswPlugin {
  return { name: "mfa-ykman", apply() {} };
}
