/**
 * The ECS container-credentials endpoint of `vsw exec --server` (aws-vault's `--ecs-server`): an
 * HTTP server on 127.0.0.1 that answers `GET` with the JSON the SDKs' container provider reads.
 *
 * Protocol (what @aws-sdk/credential-provider-http and botocore's ContainerProvider accept): status
 * 200 with `{ "AccessKeyId", "SecretAccessKey", "Token", "Expiration" }`, `Expiration` in RFC 3339.
 * The SDK sends `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header.
 */
import type { Credentials } from "../../plugin.js";

/** How the server obtains credentials: the whole pipeline, with cache and MFA (server's caller). */
export type Mint = () => Promise<Credentials>;

/** A running server: its URL, its token, and `close` (idempotent; resolves once the port is closed). */
export interface EcsServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Starts the server. `credentials` is asked on every request; it decides itself whether the
 * session it holds is still good (see `freshCredentials`). `onError` hears every failure to mint,
 * which the client gets as a 500 with the error's code and message.
 */
export async function startEcsServer(
  credentials: Mint,
  onError: (error: unknown) => void,
): Promise<EcsServer> {
  const { createServer } = await import("node:http");
  const { createHash, randomBytes, timingSafeEqual } = await import("node:crypto");
  // Security decision: 32 random bytes per run, never reused; it reaches the child only through its
  // environment (never argv, never a file).
  const token = randomBytes(32).toString("base64url");
  const server = createServer((request, response) => {
    const reply = (status: number, body: Record<string, string>) => {
      response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      response.end(JSON.stringify(body));
    };
    if (!tokenMatches(request.headers.authorization, token, createHash, timingSafeEqual)) {
      reply(403, { Code: "VSW_SERVER_FORBIDDEN", Message: "The authorization token is missing or wrong." });
      return;
    }
    if (request.method !== "GET") {
      reply(405, { Code: "VSW_SERVER_METHOD", Message: "Only GET is served." });
      return;
    }
    credentials().then(
      (c) =>
        reply(200, {
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken ?? "",
          Expiration: new Date(c.expiration ?? 0).toISOString(),
          ...(c.accountId ? { AccountId: c.accountId } : {}),
        }),
      (error: unknown) => {
        onError(error);
        const e = error as { code?: unknown; message?: unknown };
        reply(500, {
          Code: typeof e?.code === "string" ? e.code : "VSW_SERVER_ERROR",
          Message: typeof e?.message === "string" ? e.message : "vsw could not obtain credentials.",
        });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only, a port the kernel picks: nothing off this machine can reach it.
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SDKs keep connections alive: without this, close waits for them to time out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * Whether the `Authorization` header is the token, compared in constant time: both sides are
 * hashed first, so neither the content nor the length of the token leaks through timing.
 */
function tokenMatches(
  header: string | undefined,
  token: string,
  createHash: typeof import("node:crypto").createHash,
  timingSafeEqual: typeof import("node:crypto").timingSafeEqual,
): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(header ?? ""), digest(token)) && header !== undefined;
}

/**
 * Credentials through `mint`, shared: while the last answer has more than `refreshSeconds` left it
 * is handed out again; otherwise one mint runs and every request that arrives meanwhile waits for
 * that same mint (concurrent requests during a mint share one mint, one MFA prompt). `initial`:
 * a session already obtained.
 */
export function freshCredentials(
  mint: Mint,
  now: () => number,
  refreshSeconds: number,
  initial?: Credentials,
): Mint {
  let current: Credentials | undefined = initial;
  let pending: Promise<Credentials> | undefined;
  return () => {
    if (current?.expiration !== undefined && current.expiration - now() > refreshSeconds * 1000) {
      return Promise.resolve(current);
    }
    pending ??= mint()
      .then((c) => {
        current = c;
        return c;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
