/** Placeholder: the `totp` MFA source plugin (issue 10) is being written. */
import type { VswPlugin } from "../../plugin.js";

export function totpMfa(): VswPlugin {
  return { name: "mfa-totp", apply() {} };
}
