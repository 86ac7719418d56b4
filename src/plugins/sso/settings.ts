/**
 * What an IAM Identity Center profile says, read the AWS CLI's way: the `[sso-session NAME]` form
 * (`sso_session` in the profile) or the legacy form (`sso_start_url` and `sso_region` in the
 * profile). Pure: no file, no network.
 */
import type { ExternalSourceStep, PluginStep } from "../../plugin.js";
import { VswError } from "../../plugin.js";

/** The plugin's name, its tap name everywhere and the namespace of its step kind. */
export const NAME = "sso";

/** Where a token comes from: one sign-in (an `sso-session`, or a start URL in the legacy form). */
export interface SsoSignIn {
  /** The `sso_session` name; `null` in the legacy form. */
  session: string | null;
  startUrl: string;
  /** The region of IAM Identity Center (`sso_region`), where the OIDC and portal APIs are called. */
  ssoRegion: string;
  /** `sso_registration_scopes`, comma-separated in the config. */
  scopes: string[];
}

/** The plan step that gets an account's role credentials with the cached token (GetRoleCredentials). */
export interface SsoRoleStep extends PluginStep, SsoSignIn {
  type: "sso:role-credentials";
  accountId: string;
  roleName: string;
}

/** Whether `step` is this plugin's. */
export function isSsoStep(step: { type: string }): step is SsoRoleStep {
  return step.type === "sso:role-credentials";
}

/** How the user names the sign-in on the command line: `--session NAME`, or the profile. */
export function loginHint(signIn: SsoSignIn, profile: string): string {
  return signIn.session !== null
    ? `vsw sso login --session ${signIn.session}`
    : `vsw sso login ${/^[\w.@/+=-]+$/.test(profile) ? profile : JSON.stringify(profile)}`;
}

/** The words naming the sign-in in messages: `sso-session "corp"`, or the start URL. */
export function describeSignIn(signIn: SsoSignIn): string {
  return signIn.session !== null ? `sso-session "${signIn.session}"` : `start URL ${signIn.startUrl}`;
}

/**
 * The sign-in of a profile's values and its `[sso-session]` section's. Why `sso_session` wins over
 * `sso_start_url` in the profile: the AWS CLI uses the session's values when both are present.
 */
export function signInOf(
  profile: string,
  settings: Readonly<Record<string, string>>,
  ssoSession: Readonly<Record<string, string>> | undefined,
): SsoSignIn {
  const session = settings.sso_session;
  if (session !== undefined) {
    if (!ssoSession) {
      throw invalid(
        `Profile "${profile}" names sso_session "${session}", which has no [sso-session ${session}] section.`,
        "Add the section (aws configure sso-session writes it).",
      );
    }
    const startUrl = ssoSession.sso_start_url;
    const ssoRegion = ssoSession.sso_region;
    if (!startUrl || !ssoRegion) {
      throw invalid(
        `The [sso-session ${session}] section lacks ${startUrl ? "sso_region" : "sso_start_url"}.`,
        "Set sso_start_url and sso_region in it.",
      );
    }
    const scopes = (ssoSession.sso_registration_scopes ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return { session, startUrl, ssoRegion, scopes };
  }
  const startUrl = settings.sso_start_url;
  const ssoRegion = settings.sso_region;
  if (!startUrl || !ssoRegion) {
    throw invalid(
      `Profile "${profile}" lacks ${startUrl ? "sso_region" : "sso_start_url"} for IAM Identity Center.`,
      "Set sso_session (or sso_start_url and sso_region) in it.",
    );
  }
  return { session: null, startUrl, ssoRegion, scopes: [] };
}

/** The step that replaces the resolver's `external` step of kind `sso`. */
export function ssoStep(external: ExternalSourceStep): SsoRoleStep {
  const { profile, settings } = external;
  const signIn = signInOf(profile, settings, external.ssoSession);
  const accountId = settings.sso_account_id;
  const roleName = settings.sso_role_name;
  if (!accountId || !roleName) {
    throw invalid(
      `Profile "${profile}" lacks ${accountId ? "sso_role_name" : "sso_account_id"} for IAM Identity Center.`,
      "Set sso_account_id and sso_role_name (vsw sso sync writes one profile per account and role).",
    );
  }
  const where = signIn.session ?? signIn.startUrl;
  return {
    type: "sso:role-credentials",
    profile,
    label: `IAM Identity Center role ${roleName} in ${accountId} (${where})`,
    accountId,
    roleName,
    ...signIn,
  };
}

function invalid(message: string, hint: string): VswError {
  return new VswError("VSW_SSO_CONFIG_INVALID", message, { hint });
}
