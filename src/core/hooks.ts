/**
 * The hook table: the whole credential pipeline as tapable hooks. Plugins tap them; the core
 * only calls them. Bail hooks answer `X | undefined`: `undefined` declines and lets the next tap
 * try (in tapable `null` would stop the chain, so never return `null`).
 */
import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  type FullTap,
  HookMap,
  SyncBailHook,
  SyncHook,
  SyncWaterfallHook,
} from "tapable";
import type { PluginCommand } from "./commands.js";
import { isVswError, PluginError } from "./errors.js";
import { callWithoutCodegen, type HookKind } from "./hook-calls.js";
import type {
  AuthorizeRequest,
  CacheRequest,
  Credentials,
  FormatRequest,
  Keystore,
  KeystoreDescriptor,
  KeystoreRequest,
  MfaRequest,
  MfaSourceDescriptor,
  Plan,
  PlanContext,
  ResolvedCredentials,
  ResolveInput,
  SessionCreatedEvent,
  SessionFailedEvent,
  SessionRequest,
  SourceRequest,
} from "./types.js";

export { STAGE_CACHE, STAGE_DEFAULT, STAGE_INTERACTIVE, STAGE_POLICY } from "./stages.js";

/** The hook table type. */
export type Hooks = ReturnType<typeof createHooks>;

/**
 * Builds a fresh, frozen hook table with the error-attributing interceptor on every hook.
 * `onTap` hears the hook name of every tap registered (`vsw plugins` lists what each plugin taps).
 */
export function createHooks(onTap?: (hookName: string) => void) {
  const formatNames = new Set<string>();
  const hooks = Object.freeze({
    /**
     * AsyncSeriesWaterfallHook: fills in the text of the config and credentials files (the
     * `aws-config` plugin reads `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`); later taps may
     * rewrite it. Stages: STAGE_DEFAULT reads files.
     */
    loadConfig: new AsyncSeriesWaterfallHook<[ResolveInput]>(["input"], "loadConfig"),
    /**
     * AsyncSeriesWaterfallHook: the plan the pure resolver built, which a tap may extend or
     * replace (add a step of its own kind, swap a source for a broker). Returning `undefined`
     * leaves the plan as it was. Runs for `vsw plan` too, so no tap may read a secret or prompt.
     * Stages: STAGE_DEFAULT.
     */
    plan: new AsyncSeriesWaterfallHook<[Plan, PlanContext]>(["plan", "context"], "plan"),
    /**
     * AsyncSeriesHook (every tap runs): policy. Called with the final plan before any secret is
     * read, any MFA code asked or any STS call made; only the names of stored keys were listed. A
     * tap allows by returning (`undefined`) and refuses by throwing, best a `VswError` with its own
     * code, which reaches the user unchanged. Any error refuses: policy fails closed.
     * Stages: STAGE_POLICY.
     */
    authorize: new AsyncSeriesHook<[AuthorizeRequest]>(["request"], "authorize"),
    /**
     * SyncBailHook: returns the keystore whose name is asked for; `undefined` means "not mine".
     * No answer at all is `VSW_KEYSTORE_UNKNOWN`.
     */
    keystore: new SyncBailHook<[KeystoreRequest], Keystore | undefined>(["request"], "keystore"),
    /**
     * SyncWaterfallHook: the keystores plugins offer, for `vsw keystore list` and the default
     * choice. A tap returns the list with its own descriptor appended (`undefined` leaves it).
     */
    keystores: new SyncWaterfallHook<[KeystoreDescriptor[]]>(["keystores"], "keystores"),
    /**
     * AsyncSeriesBailHook: the credentials of a plan's source step (stored keys, credential_process);
     * `undefined` means "not a source I handle".
     */
    sourceCredentials: new AsyncSeriesBailHook<[SourceRequest], Credentials | undefined>(
      ["request"],
      "sourceCredentials",
    ),
    /**
     * AsyncSeriesBailHook: a one-time MFA code; `undefined` means "no code from me, ask the next
     * source". Stages: STAGE_DEFAULT non-interactive sources (flag, mfa_process, TOTP, YubiKey),
     * STAGE_INTERACTIVE the TTY prompt. Series, never parallel: a prompt and a YubiKey touch must
     * not fire at once.
     */
    mfaToken: new AsyncSeriesBailHook<[MfaRequest], string | undefined>(["request"], "mfaToken"),
    /**
     * SyncWaterfallHook: the MFA sources plugins offer (`mfa_source` names one, `vsw plan` shows
     * which answers). A tap returns the list with its own descriptor appended.
     */
    mfaSources: new SyncWaterfallHook<[MfaSourceDescriptor[]]>(["sources"], "mfaSources"),
    /**
     * AsyncSeriesBailHook: a cached result of a plan step that is still usable; `undefined` means
     * "nothing usable cached". Stages: STAGE_CACHE.
     */
    cachedSession: new AsyncSeriesBailHook<[CacheRequest], Credentials | undefined>(
      ["request"],
      "cachedSession",
    ),
    /**
     * AsyncSeriesBailHook: mints the session of a plan step (the STS plugin); `undefined` means
     * "not a step I handle".
     */
    session: new AsyncSeriesBailHook<[SessionRequest], Credentials | undefined>(["request"], "session"),
    /** AsyncSeriesHook-like parallel event: a cached result of a plan step must be forgotten. */
    dropSession: new AsyncParallelHook<[CacheRequest]>(["request"], "dropSession"),
    /**
     * AsyncSeriesWaterfallHook: transforms the final credentials. Returning the argument unchanged
     * is the default. Policy belongs in `authorize`, which refuses before anything is read or asked.
     */
    credentials: new AsyncSeriesWaterfallHook<[Credentials, ResolvedCredentials]>(
      ["credentials", "resolved"],
      "credentials",
    ),
    /**
     * HookMap of SyncBailHook keyed by format name (`env`, `json`, `ini`, `dotenv`): turns
     * credentials into text; `undefined` means "cannot represent this request".
     */
    format: Object.assign(
      new HookMap<SyncBailHook<[FormatRequest], string | undefined>>((key: string) => {
        formatNames.add(key);
        return new SyncBailHook<[FormatRequest], string | undefined>(["request"], `format.${key}`);
      }, "format"),
      {
        /** The format names some plugin registered, sorted (tapable does not expose a HookMap's keys). */
        names: (): string[] => [...formatNames].sort(),
      },
    ),
    /** AsyncParallelHook event: a session was minted (the cache stores it). */
    sessionCreated: new AsyncParallelHook<[SessionCreatedEvent]>(["event"], "sessionCreated"),
    /** AsyncParallelHook event: obtaining credentials failed. */
    sessionFailed: new AsyncParallelHook<[SessionFailedEvent]>(["event"], "sessionFailed"),
    /**
     * AsyncParallelHook event: vsw is about to exit (after the command, also when it failed); stop
     * the servers and children a plugin started. Not called when a signal kills vsw.
     */
    shutdown: new AsyncParallelHook<[]>([], "shutdown"),
    /**
     * SyncWaterfallHook: the CLI commands plugins add (`vsw NAME`, in `--help` and completion). A
     * tap returns the list with its own commands appended; `undefined` leaves the list as it was.
     * Called once per run, before the command line is parsed (also on Tab), so a tap only
     * describes commands: the work is in the command's `run`.
     */
    commands: new SyncWaterfallHook<[PluginCommand[]]>(["commands"], "commands"),
    /** SyncHook: `--debug` trace lines (hook and tap names only, never arguments). */
    trace: new SyncHook<[string]>(["line"], "trace"),
  });
  for (const [hookName, hook] of Object.entries(hooks)) {
    if (hook instanceof HookMap) {
      hook.intercept({
        factory: (key, inner) => {
          plainCalls(inner);
          attribute(inner as unknown as InterceptableHook, `${hookName}.${String(key)}`, hooks.trace, onTap);
          return inner;
        },
      });
    } else {
      plainCalls(hook);
      if (hookName !== "trace") attribute(hook as unknown as InterceptableHook, hookName, hooks.trace, onTap);
    }
  }
  return hooks;
}

/** The hook classes whose calls hook-calls.ts performs, and how each combines results. */
const KINDS = new Map<unknown, HookKind>([
  [SyncHook, "plain"],
  [SyncBailHook, "bail"],
  [SyncWaterfallHook, "waterfall"],
  [AsyncSeriesHook, "plain"],
  [AsyncSeriesBailHook, "bail"],
  [AsyncSeriesWaterfallHook, "waterfall"],
]);

/** Calls without generated code (hook-calls.ts) for the hook classes it knows; others as tapable does. */
function plainCalls(hook: object): void {
  const kind = KINDS.get(hook.constructor);
  if (kind) callWithoutCodegen(hook, kind);
}

interface InterceptableHook {
  intercept(interceptor: { register: (tap: FullTap) => FullTap }): void;
}

/** Wraps every tap so an error thrown inside it names the plugin and hook (rollup's attribution). */
function attribute(
  hook: InterceptableHook,
  hookName: string,
  trace: SyncHook<[string]>,
  onTap: ((hookName: string) => void) | undefined,
): void {
  hook.intercept({
    register: (tap) => {
      onTap?.(hookName);
      const fn = tap.fn as (...args: unknown[]) => unknown;
      const blame = (error: unknown): unknown => {
        // The brand, not instanceof: a plugin's error may come from its own copy of vsw/plugin.
        if (isVswError(error)) {
          error.origin ??= { plugin: tap.name, hook: hookName };
          return error;
        }
        return new PluginError(tap.name, hookName, error);
      };
      let wrapped: (...args: unknown[]) => unknown;
      if (tap.type === "promise") {
        wrapped = (...args) => {
          trace.call(`${hookName} → ${tap.name}`);
          try {
            return Promise.resolve(fn(...args)).catch((error: unknown) => {
              throw blame(error);
            });
          } catch (error) {
            return Promise.reject(blame(error));
          }
        };
      } else if (tap.type === "async") {
        wrapped = (...args) => {
          trace.call(`${hookName} → ${tap.name}`);
          const callback = args.pop() as (error?: unknown, result?: unknown) => void;
          try {
            return fn(...args, (error?: unknown, result?: unknown) =>
              callback(error ? blame(error) : error, result),
            );
          } catch (error) {
            return callback(blame(error));
          }
        };
      } else {
        wrapped = (...args) => {
          trace.call(`${hookName} → ${tap.name}`);
          try {
            return fn(...args);
          } catch (error) {
            throw blame(error);
          }
        };
      }
      return { ...tap, fn: wrapped };
    },
  });
}
