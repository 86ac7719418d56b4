import type { VswPlugin } from "../../plugin.js";
import { STAGE_EXPLICIT } from "../../plugin.js";

const NAME = "mfa-flag";

/** Options of `flagMfa`. */
export interface FlagMfaOptions {
  /** The code given with `--mfa-token`; it serves the first MFA request only (AWS accepts a code once). */
  token?: string | undefined;
}

/** Answers the first MFA request with the `--mfa-token` code. */
export function flagMfa(options: FlagMfaOptions = {}): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      let token = options.token;
      // Always first, whatever mfa_source says: a code typed on the command line is the user's choice for this run.
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        { name: "flag", description: "--mfa-token", order: 0, available: () => token !== undefined },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_EXPLICIT }, async () => {
        // A code is single-use at AWS: hand it out once, then let the next source answer.
        const answer = token;
        token = undefined;
        return answer;
      });
    },
  };
}
