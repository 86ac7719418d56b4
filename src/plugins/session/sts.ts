import type { ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-sts";
import type { DeserializeHandler, DeserializeHandlerArguments, DeserializeMiddleware } from "@smithy/types";
import type { Credentials, SessionStep, Vsw, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, STAGE_PREFLIGHT, VswError } from "../../plugin.js";
import { explain, isStsStep, probeEndpoint, type StsRequest, stsEndpoint } from "./sts-explain.js";

const NAME = "session-sts";

/** Options of `stsSession`. */
export interface StsSessionOptions {
  /** Upper bound for one call including the SDK's retries, in milliseconds. */
  deadlineMs?: number;
}

/**
 * Mints sessions with AWS STS (GetSessionToken, AssumeRole). The SDK is imported only when a call
 * is really made: a cached session never loads it.
 */
export function stsSession(options: StsSessionOptions = {}): VswPlugin {
  const deadlineMs = options.deadlineMs ?? 30_000;
  return {
    name: NAME,
    apply(vsw) {
      // Before an MFA source that asks a person or a device (mfa_process, the prompt; a code given
      // with --mfa-token answers earlier): an endpoint that cannot be reached is found by a TCP
      // connect, so no code is typed, or touched on a YubiKey, for nothing. Only when minting.
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_PREFLIGHT }, async ({ step, mfaProcess }) => {
        // Only when something will ask: with no mfa_process and no terminal, the answer is
        // VSW_MFA_REQUIRED, and that is the more useful error.
        if (step && isStsStep(step) && (mfaProcess || hasTerminal(vsw)))
          await probeEndpoint(step, stsEndpoint(step, endpointFor(vsw, step)));
        return undefined;
      });
      vsw.hooks.session.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (asked) => {
        // A plugin's own step kind is answered by that plugin's tap.
        if (!isStsStep(asked.step)) return undefined;
        const request = asked as StsRequest;
        const restoreEnv = silenceVersionWarning();
        const sdk = await loadSdk();
        const { Transform } = await import("node:stream");
        const client = capResponses(makeClient(sdk, vsw, request.step, request.parent), Transform);
        const abortSignal = AbortSignal.timeout(deadlineMs);
        try {
          return await call(sdk, client, request, abortSignal, (c) =>
            capResponses(makeClient(sdk, vsw, request.step, c), Transform),
          );
        } catch (error) {
          throw explain(error, request, stsEndpoint(request.step, endpointFor(vsw, request.step)));
        } finally {
          client.destroy();
          restoreEnv();
        }
      });
    },
  };
}

type Sdk = typeof import("@aws-sdk/client-sts");
type Client = InstanceType<Sdk["STSClient"]>;

function makeClient(sdk: Sdk, vsw: Vsw, step: SessionStep, credentials: Credentials): Client {
  return new sdk.STSClient({
    region: step.region ?? "us-east-1",
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    endpoint: endpointFor(vsw, step),
    // `sts_regional_endpoints = legacy` keeps the global endpoint, as the AWS CLI does.
    useGlobalEndpoint: step.stsRegionalEndpoints === "legacy",
    // The SDK's standard retry mode backs off on throttling and 5xx; the deadline bounds the total.
    maxAttempts: 4,
    retryMode: "standard",
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
}

/** The largest STS response vsw reads: real ones are a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Caps every response body at {@link MAX_RESPONSE_BYTES}: a declared larger Content-Length is
 * refused before reading, and a streamed body is cut off once it passes the cap. Why: the endpoint
 * comes from the config or the environment, and a hostile or broken one must not fill the heap.
 * Sits between the HTTP handler and the deserializer, so the SDK parses only what passed.
 */
function capResponses(client: Client, Transform: typeof import("node:stream").Transform): Client {
  client.middlewareStack.addRelativeTo(
    ((next: DeserializeHandler<object, object>) => async (args: DeserializeHandlerArguments<object>) => {
      const out = await next(args);
      const response = out.response as {
        headers?: Record<string, string>;
        body?: NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
      };
      const request = args.request as { protocol?: string; hostname?: string; port?: number; path?: string };
      const url = `${request.protocol ?? "https:"}//${request.hostname ?? ""}${request.port ? `:${request.port}` : ""}${request.path ?? "/"}`;
      const tooLarge = () =>
        // `$metadata` marks it as a service answer for the SDK: not retried, message left alone.
        Object.assign(
          new VswError(
            "VSW_STS_ERROR",
            `The STS endpoint "${url}" answered with more than 1 MiB; vsw stopped reading.`,
            {
              hint: "Check endpoint_url, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL: that is not STS.",
            },
          ),
          { $metadata: {} },
        );
      if (Number(response.headers?.["content-length"]) > MAX_RESPONSE_BYTES) {
        response.body?.destroy?.();
        throw tooLarge();
      }
      const body = response.body;
      if (body && typeof body.pipe === "function") {
        let size = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            size += chunk.length;
            if (size <= MAX_RESPONSE_BYTES) return done(null, chunk);
            body.destroy?.();
            done(tooLarge());
          },
        });
        body.on("error", (error: Error) => counted.destroy(error));
        response.body = body.pipe(counted);
      }
      return out;
    }) as unknown as DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes>,
    { relation: "after", toMiddleware: "deserializerMiddleware", name: "vswResponseCap" },
  );
  return client;
}

function hasTerminal(vsw: Vsw): boolean {
  const terminal = vsw.terminal.open();
  terminal?.close();
  return terminal !== undefined;
}

async function loadSdk(): Promise<Sdk> {
  return import("@aws-sdk/client-sts");
}

const SDK_WARNING = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * The SDK warns about Node versions (read from process.env when a client is made); the user cannot
 * act on it, so it is silenced while vsw calls STS, and the variable is removed again afterwards,
 * so `vsw exec` does not hand vsw's own setting to the command it runs.
 */
function silenceVersionWarning(): () => void {
  if (process.env[SDK_WARNING] !== undefined) return () => {};
  process.env[SDK_WARNING] = "true";
  return () => {
    delete process.env[SDK_WARNING];
  };
}

/** Endpoint precedence as the SDK documents it: service variable, global variable, profile's endpoint_url. */
function endpointFor(vsw: Vsw, step: SessionStep): string | undefined {
  return vsw.env.AWS_ENDPOINT_URL_STS || vsw.env.AWS_ENDPOINT_URL || step.endpointUrl || undefined;
}

async function call(
  sdk: Sdk,
  client: Client,
  { step, mfaToken }: StsRequest,
  abortSignal: AbortSignal,
  clientFor: (credentials: Credentials) => Client,
): Promise<Credentials> {
  const mfa = step.mfaSerial && mfaToken ? { SerialNumber: step.mfaSerial, TokenCode: mfaToken } : {};
  if (step.type === "GetSessionToken") {
    const out = await client.send(
      new sdk.GetSessionTokenCommand({ DurationSeconds: step.durationSeconds, ...mfa }),
      {
        abortSignal,
      },
    );
    const credentials = fromSts(out.Credentials, step);
    credentials.accountId = accountOf(step.mfaSerial);
    if (!credentials.accountId) {
      // No MFA ARN to read the account from: ask STS once, only when minting (never on a cache hit).
      const who = clientFor(credentials);
      try {
        const identity = await who.send(new sdk.GetCallerIdentityCommand({}), { abortSignal });
        credentials.accountId = identity.Account;
      } catch {
        // The account id only decorates the prompt: a session is not refused for the lack of it.
      } finally {
        who.destroy();
      }
    }
    return credentials;
  }
  const tags = Object.entries(step.sessionTags).map(([Key, Value]) => ({ Key, Value }));
  const out = await client.send(
    new sdk.AssumeRoleCommand({
      RoleArn: step.roleArn,
      RoleSessionName: step.roleSessionName,
      DurationSeconds: step.durationSeconds,
      ...(step.externalId ? { ExternalId: step.externalId } : {}),
      ...(step.sourceIdentity ? { SourceIdentity: step.sourceIdentity } : {}),
      ...(tags.length ? { Tags: tags } : {}),
      ...(step.transitiveTagKeys.length ? { TransitiveTagKeys: step.transitiveTagKeys } : {}),
      ...mfa,
    }),
    { abortSignal },
  );
  const credentials = fromSts(out.Credentials, step);
  credentials.accountId = accountOf(out.AssumedRoleUser?.Arn) ?? accountOf(step.roleArn);
  return credentials;
}

interface StsCredentials {
  AccessKeyId?: string | undefined;
  SecretAccessKey?: string | undefined;
  SessionToken?: string | undefined;
  Expiration?: Date | undefined;
}

function fromSts(c: StsCredentials | undefined, step: SessionStep): Credentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new VswError(
      "VSW_STS_ERROR",
      `STS answered ${step.type} for "${step.profile}" without credentials.`,
      {
        hint: "Check the STS endpoint (endpoint_url, AWS_ENDPOINT_URL_STS).",
      },
    );
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration.getTime(),
  };
}

/** The 12-digit account of an ARN (`arn:aws:iam::111111111111:mfa/me`), if it is one. */
function accountOf(arn: string | null | undefined): string | undefined {
  return arn ? /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] : undefined;
}
