import type { Credentials, Plan, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT } from "../../plugin.js";
import { ssoCommand } from "./commands.js";
import { roleCredentials } from "./portal.js";
import { isSsoStep, NAME, ssoStep } from "./settings.js";
import { withToken } from "./token.js";

/**
 * IAM Identity Center (AWS SSO) as a source: replaces the resolver's `external` step of kind `sso`
 * with an `sso:role-credentials` step (labelled for `vsw plan`), answers it with GetRoleCredentials
 * and the AWS CLI's cached token (signing in on a terminal when needed), and adds `vsw sso login |
 * logout | sync`. The role credentials are cached in the keystore by the session cache, like
 * every session; the SDK is loaded only when the portal is called.
 */
export function ssoSource(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.plan.tap({ name: NAME, stage: STAGE_DEFAULT }, (plan: Plan) => {
        if (!plan.steps.some((s) => s.type === "external" && s.kind === "sso")) return plan;
        const steps = plan.steps.map((s) => (s.type === "external" && s.kind === "sso" ? ssoStep(s) : s));
        return { ...plan, steps: steps as Plan["steps"] };
      });
      vsw.hooks.sourceCredentials.tapPromise(
        { name: NAME, stage: STAGE_DEFAULT },
        async ({ step }): Promise<Credentials | undefined> => {
          if (!isSsoStep(step)) return undefined;
          return withToken(vsw, step, { profile: step.profile }, (accessToken) =>
            roleCredentials(vsw, step, accessToken),
          );
        },
      );
      vsw.hooks.commands.tap(NAME, (commands) => [...commands, ssoCommand()]);
    },
  };
}
