/**
 * The OIDC device authorization flow with IAM Identity Center (RegisterClient,
 * StartDeviceAuthorization, CreateToken polled as RFC 8628 says) and the refresh-token grant.
 * The SDK client is imported here, lazily: a cached role session never loads it.
 */
import type { Env, Vsw } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";
import type { SsoSignIn } from "./settings.js";
import { describeSignIn } from "./settings.js";
import {
  isoSeconds,
  readRegistration,
  type SsoRegistration,
  type SsoToken,
  writeRegistration,
  writeToken,
} from "./token-cache.js";

type Oidc = typeof import("@aws-sdk/client-sso-oidc");

/** Where the flow talks to the user (stderr or the terminal) and whether it opens a browser. */
export interface LoginOptions {
  write(text: string): void;
  browser: boolean;
}

const SDK_WARNING = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * Silences the SDK's Node-version warning (noise the user cannot act on; the STS plugin does the
 * same) while `client` lives: set before the client is made, removed again by its `destroy`, so
 * `vsw exec` does not hand vsw's own setting to its command.
 */
export function quietSdk<C extends { destroy(): void }>(make: () => C): C {
  if (process.env[SDK_WARNING] !== undefined) return make();
  process.env[SDK_WARNING] = "true";
  const client = make();
  const destroy = client.destroy.bind(client);
  client.destroy = () => {
    destroy();
    delete process.env[SDK_WARNING];
  };
  return client;
}

/** Endpoint precedence of the SDK: the service's variable, then the global one. */
export function endpoint(env: Env, service: "SSO" | "SSO_OIDC"): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

async function oidcClient(
  vsw: Vsw,
  signIn: SsoSignIn,
): Promise<{ sdk: Oidc; client: InstanceType<Oidc["SSOOIDCClient"]> }> {
  const sdk = await import("@aws-sdk/client-sso-oidc");
  const client = quietSdk(
    () =>
      new sdk.SSOOIDCClient({
        region: signIn.ssoRegion,
        endpoint: endpoint(vsw.env, "SSO_OIDC"),
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
      }),
  );
  return { sdk, client };
}

/**
 * Signs in with the device flow and writes the token to the shared cache. Prints the verification
 * URL and the code always, opens the URL in a browser when asked and one exists; waits until the
 * user approves, denies, or the code expires (each a clear error).
 */
export async function deviceLogin(vsw: Vsw, signIn: SsoSignIn, options: LoginOptions): Promise<SsoToken> {
  const { sdk, client } = await oidcClient(vsw, signIn);
  try {
    let registration = readRegistration(vsw.env, signIn, vsw.now());
    if (!registration) {
      const out = await client.send(
        new sdk.RegisterClientCommand({
          // botocore's naming, so the registration reads the same in the console.
          clientName: `botocore-client-${signIn.session ?? Math.floor(vsw.now() / 1000)}`,
          clientType: "public",
          ...(signIn.scopes.length ? { scopes: signIn.scopes } : {}),
        }),
      );
      if (!out.clientId || !out.clientSecret)
        throw oidcFailed(signIn, "RegisterClient answered without a client");
      registration = {
        clientId: out.clientId,
        clientSecret: out.clientSecret,
        expiresAt: isoSeconds((out.clientSecretExpiresAt ?? 0) * 1000),
        ...(signIn.scopes.length ? { scopes: signIn.scopes } : {}),
      };
      writeRegistration(vsw.env, signIn, registration);
    }
    const start = await client.send(
      new sdk.StartDeviceAuthorizationCommand({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        startUrl: signIn.startUrl,
      }),
    );
    if (!start.deviceCode || !start.userCode || !start.verificationUri) {
      throw oidcFailed(signIn, "StartDeviceAuthorization answered without a device code");
    }
    const url = start.verificationUriComplete ?? start.verificationUri;
    options.write(
      `Sign in to IAM Identity Center (${describeSignIn(signIn)}) in your browser:\n\n  ${url}\n\nand check that it shows the code: ${start.userCode}\n`,
    );
    // The browser gets the environment vsw's children get: no plugin's secret.
    if (options.browser) await openBrowser(childEnv(vsw.env, vsw.childSecrets), url);
    const token = await poll(
      vsw,
      sdk,
      client,
      signIn,
      registration,
      start.deviceCode,
      start.interval ?? 5,
      start.expiresIn ?? 600,
    );
    writeToken(vsw.env, signIn, token);
    options.write("Signed in.\n");
    return token;
  } catch (error) {
    throw explainOidc(error, signIn);
  } finally {
    client.destroy();
  }
}

async function poll(
  vsw: Vsw,
  sdk: Oidc,
  client: InstanceType<Oidc["SSOOIDCClient"]>,
  signIn: SsoSignIn,
  registration: SsoRegistration,
  deviceCode: string,
  firstInterval: number,
  expiresIn: number,
): Promise<SsoToken> {
  let interval = Math.max(1, firstInterval);
  const deadline = Date.now() + expiresIn * 1000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    try {
      const out = await client.send(
        new sdk.CreateTokenCommand({
          grantType: "urn:ietf:params:oauth:grant-type:device_code",
          clientId: registration.clientId,
          clientSecret: registration.clientSecret,
          deviceCode,
        }),
      );
      return tokenOf(vsw, signIn, registration, out);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "AuthorizationPendingException" && Date.now() < deadline) continue;
      // RFC 8628 §3.5: slow_down adds 5 seconds to the interval for the rest of the flow.
      if (name === "SlowDownException" && Date.now() < deadline) {
        interval += 5;
        continue;
      }
      if (name === "AuthorizationPendingException" || name === "ExpiredTokenException") {
        throw new VswError(
          "VSW_SSO_LOGIN_EXPIRED",
          `The sign-in code for ${describeSignIn(signIn)} expired before it was approved.`,
          {
            hint: "Run the sign-in again and approve the code in the browser within 10 minutes.",
          },
        );
      }
      if (name === "AccessDeniedException") {
        throw new VswError(
          "VSW_SSO_LOGIN_DENIED",
          `The sign-in to ${describeSignIn(signIn)} was denied in the browser.`,
          {
            hint: "Run the sign-in again and choose Allow.",
          },
        );
      }
      throw error;
    }
  }
}

interface CreateTokenOutput {
  accessToken?: string | undefined;
  expiresIn?: number | undefined;
  refreshToken?: string | undefined;
}

function tokenOf(
  vsw: Vsw,
  signIn: SsoSignIn,
  registration: SsoRegistration,
  out: CreateTokenOutput,
  previous?: SsoToken,
): SsoToken {
  if (!out.accessToken || !out.expiresIn) throw oidcFailed(signIn, "CreateToken answered without a token");
  const token: SsoToken = {
    startUrl: signIn.startUrl,
    region: signIn.ssoRegion,
    accessToken: out.accessToken,
    expiresAt: isoSeconds(vsw.now() + out.expiresIn * 1000),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: registration.expiresAt,
  };
  const refreshToken = out.refreshToken ?? previous?.refreshToken;
  if (refreshToken) token.refreshToken = refreshToken;
  return token;
}

/**
 * A new access token from the cached refresh token (CreateToken, grant refresh_token), written back
 * to the cache; `undefined` when the token cannot be refreshed (no refresh token, the registration
 * lapsed, or IAM Identity Center refused it): then only a sign-in helps.
 */
export async function refresh(vsw: Vsw, signIn: SsoSignIn, token: SsoToken): Promise<SsoToken | undefined> {
  const { refreshToken, clientId, clientSecret, registrationExpiresAt } = token;
  if (!refreshToken || !clientId || !clientSecret || !registrationExpiresAt) return undefined;
  if (Date.parse(registrationExpiresAt) <= vsw.now()) return undefined;
  const { sdk, client } = await oidcClient(vsw, signIn);
  try {
    const out = await client.send(
      new sdk.CreateTokenCommand({ grantType: "refresh_token", clientId, clientSecret, refreshToken }),
    );
    const fresh = tokenOf(
      vsw,
      signIn,
      { clientId, clientSecret, expiresAt: registrationExpiresAt },
      out,
      token,
    );
    writeToken(vsw.env, signIn, fresh);
    return fresh;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // A refused grant means "sign in again"; a network failure is worth saying as it is.
    if (status !== undefined && status >= 400 && status < 500) return undefined;
    throw explainOidc(error, signIn);
  } finally {
    client.destroy();
  }
}

function oidcFailed(signIn: SsoSignIn, what: string): VswError {
  return new VswError("VSW_SSO_ERROR", `IAM Identity Center (${describeSignIn(signIn)}): ${what}.`, {
    hint: "Check sso_region and AWS_ENDPOINT_URL_SSO_OIDC.",
  });
}

/** A VswError as it is; an SDK or network failure as one sentence naming the sign-in and the error's name. */
export function explainOidc(error: unknown, signIn: SsoSignIn): unknown {
  if ((error as { [k: symbol]: unknown })?.[Symbol.for("vsw.error")]) return error;
  const name = (error as { name?: string })?.name ?? "Error";
  const code = (error as { code?: string })?.code;
  return new VswError(
    "VSW_SSO_ERROR",
    `Signing in to IAM Identity Center (${describeSignIn(signIn)}, region ${signIn.ssoRegion}) failed: ${code ?? name}.`,
    { hint: "Check sso_start_url, sso_region and the network (AWS_ENDPOINT_URL_SSO_OIDC when set)." },
  );
}

/** Opens `url` with xdg-open (or `open` on macOS) when one is on PATH; never fails. */
async function openBrowser(env: Env, url: string): Promise<void> {
  const { accessSync, constants } = await import("node:fs");
  const { join } = await import("node:path");
  const names = process.platform === "darwin" ? ["open"] : ["xdg-open"];
  for (const dir of (env.PATH ?? "").split(":").filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
      } catch {
        continue;
      }
      const { spawn } = await import("node:child_process");
      try {
        const child = spawn(file, [url], { stdio: "ignore", detached: true, env: env as NodeJS.ProcessEnv });
        child.on("error", () => {});
        child.unref();
      } catch {
        // The URL and code are printed: a browser that does not start costs nothing.
      }
      return;
    }
  }
}
