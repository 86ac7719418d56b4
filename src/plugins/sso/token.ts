/**
 * A token good enough to call the portal with: the cached one, refreshed when it is about to
 * lapse, or a new sign-in on the terminal; without a terminal, an error naming the command to run.
 */
import { createHash } from "node:crypto";
import type { Vsw } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { deviceLogin, refresh } from "./oidc.js";
import { describeSignIn, loginHint, type SsoSignIn } from "./settings.js";
import { readToken, type SsoToken } from "./token-cache.js";

/**
 * A token with this much life left is used as it is (the AWS SDK's refresh window); below it,
 * it is refreshed first.
 */
export const REFRESH_WINDOW_MS = 5 * 60_000;

/** Options of {@link usableToken}. */
export interface TokenOptions {
  /** The profile being switched to, for the error's hint (legacy form). */
  profile: string;
  /** An access token IAM Identity Center just refused: treated as expired. */
  refused?: string;
}

/**
 * The token of `signIn` for a portal call. Under a lock per sign-in, so two shells switching at
 * once share one refresh (a refresh token is spent when used) and one browser sign-in.
 */
export async function usableToken(vsw: Vsw, signIn: SsoSignIn, options: TokenOptions): Promise<SsoToken> {
  const key = createHash("sha1")
    .update(signIn.session ?? signIn.startUrl)
    .digest("hex");
  return vsw.lock(`sso/${key}`, async () => {
    const token = readToken(vsw.env, signIn);
    const live = token && token.accessToken !== options.refused;
    if (live && Date.parse(token.expiresAt) - vsw.now() > REFRESH_WINDOW_MS) return token;
    if (token) {
      const fresh = await refresh(vsw, signIn, token);
      if (fresh) return fresh;
    }
    const terminal = vsw.terminal.open();
    if (!terminal) {
      const why = !token
        ? `No IAM Identity Center sign-in is cached for ${describeSignIn(signIn)}`
        : `The IAM Identity Center sign-in for ${describeSignIn(signIn)} has expired`;
      throw new VswError("VSW_SSO_LOGIN_REQUIRED", `${why} (profile "${options.profile}").`, {
        hint: `Run "${loginHint(signIn, options.profile)}" (or aws sso login), then try again.`,
      });
    }
    try {
      return await deviceLogin(vsw, signIn, {
        write: (text) => terminal.output.write(text),
        browser: true,
      });
    } finally {
      terminal.close();
    }
  });
}

/** IAM Identity Center refused the token (expired, signed out): a refresh or a sign-in helps. */
export class TokenRefused extends Error {}

/**
 * Runs `call` with a usable token; when IAM Identity Center refuses a token that looked live
 * (signed out elsewhere, revoked, a clock ahead of ours), refreshes or signs in once and retries.
 */
export async function withToken<T>(
  vsw: Vsw,
  signIn: SsoSignIn,
  options: TokenOptions,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  const token = await usableToken(vsw, signIn, options);
  try {
    return await call(token.accessToken);
  } catch (error) {
    if (!(error instanceof TokenRefused)) throw error;
  }
  const next = await usableToken(vsw, signIn, { ...options, refused: token.accessToken });
  try {
    return await call(next.accessToken);
  } catch (error) {
    if (!(error instanceof TokenRefused)) throw error;
    throw new VswError(
      "VSW_SSO_LOGIN_REQUIRED",
      `IAM Identity Center refused the sign-in for ${describeSignIn(signIn)}.`,
      {
        hint: `Run "${loginHint(signIn, options.profile)}", then try again.`,
      },
    );
  }
}
