/**
 * The IAM Identity Center portal API with a cached token: GetRoleCredentials, ListAccounts and
 * ListAccountRoles (paginated), Logout. The SDK client is imported lazily.
 */
import type { Credentials, Vsw } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { endpoint, quietSdk } from "./oidc.js";
import type { SsoRoleStep, SsoSignIn } from "./settings.js";
import { describeSignIn } from "./settings.js";
import { TokenRefused } from "./token.js";

type Sso = typeof import("@aws-sdk/client-sso");

async function portal(
  vsw: Vsw,
  signIn: SsoSignIn,
): Promise<{ sdk: Sso; client: InstanceType<Sso["SSOClient"]> }> {
  const sdk = await import("@aws-sdk/client-sso");
  const client = quietSdk(
    () =>
      new sdk.SSOClient({
        region: signIn.ssoRegion,
        endpoint: endpoint(vsw.env, "SSO"),
        maxAttempts: 4,
        retryMode: "standard",
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
      }),
  );
  return { sdk, client };
}

function refusedOr(error: unknown, signIn: SsoSignIn, what: string): unknown {
  const name = (error as { name?: string })?.name;
  if (name === "UnauthorizedException") return new TokenRefused();
  if ((error as { [k: symbol]: unknown })?.[Symbol.for("vsw.error")]) return error;
  const code = (error as { code?: string })?.code;
  return new VswError(
    "VSW_SSO_ERROR",
    `IAM Identity Center (${describeSignIn(signIn)}) failed to ${what}: ${code ?? name ?? "Error"}.`,
    {
      hint: "Check sso_region and the network (AWS_ENDPOINT_URL_SSO when set).",
    },
  );
}

/** The role credentials of the step's account and role (GetRoleCredentials). */
export async function roleCredentials(
  vsw: Vsw,
  step: SsoRoleStep,
  accessToken: string,
): Promise<Credentials> {
  const { sdk, client } = await portal(vsw, step);
  try {
    const out = await client.send(
      new sdk.GetRoleCredentialsCommand({ accessToken, accountId: step.accountId, roleName: step.roleName }),
    );
    const c = out.roleCredentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
      throw new VswError(
        "VSW_SSO_ERROR",
        `IAM Identity Center answered without credentials for role ${step.roleName} in ${step.accountId}.`,
        {
          hint: "Check AWS_ENDPOINT_URL_SSO: that is not the IAM Identity Center portal.",
        },
      );
    }
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration,
      accountId: step.accountId,
    };
  } catch (error) {
    if ((error as { name?: string }).name === "ForbiddenException") {
      throw new VswError(
        "VSW_SSO_FORBIDDEN",
        `IAM Identity Center does not let you use role "${step.roleName}" in account ${step.accountId} (profile "${step.profile}").`,
        { hint: "Check sso_account_id and sso_role_name; vsw sso sync lists the roles you have." },
      );
    }
    throw refusedOr(error, step, "get role credentials");
  } finally {
    client.destroy();
  }
}

/** An account and one of its roles, as the portal lists them. */
export interface AccountRole {
  accountId: string;
  accountName: string;
  roleName: string;
}

/** Every account and role the token reaches (ListAccounts, then ListAccountRoles of each; all pages). */
export async function accountRoles(vsw: Vsw, signIn: SsoSignIn, accessToken: string): Promise<AccountRole[]> {
  const { sdk, client } = await portal(vsw, signIn);
  try {
    const out: AccountRole[] = [];
    for await (const page of sdk.paginateListAccounts({ client }, { accessToken })) {
      for (const account of page.accountList ?? []) {
        if (!account.accountId) continue;
        const accountName = account.accountName ?? account.accountId;
        for await (const roles of sdk.paginateListAccountRoles(
          { client },
          { accessToken, accountId: account.accountId },
        )) {
          for (const role of roles.roleList ?? []) {
            if (role.roleName)
              out.push({ accountId: account.accountId, accountName, roleName: role.roleName });
          }
        }
      }
    }
    return out;
  } catch (error) {
    throw refusedOr(error, signIn, "list accounts and roles");
  } finally {
    client.destroy();
  }
}

/** Ends the token's session at IAM Identity Center (Logout); a refused token is already over. */
export async function logout(vsw: Vsw, signIn: SsoSignIn, accessToken: string): Promise<void> {
  const { sdk, client } = await portal(vsw, signIn);
  try {
    await client.send(new sdk.LogoutCommand({ accessToken }));
  } catch (error) {
    const refused = refusedOr(error, signIn, "sign out");
    if (!(refused instanceof TokenRefused)) throw refused;
  } finally {
    client.destroy();
  }
}
