/**
 * The `Vsw` object: a hook table, the context every plugin reads (environment, clock, TTY, trace)
 * and the plugins applied to it. Built-ins and team plugins are applied the same way.
 */
import { VswError } from "./errors.js";
import { createHooks, type Hooks } from "./hooks.js";
import { chooseDefaultKeystore, type KeystoreChoice } from "./keystore-choice.js";
import { traceKeystore } from "./keystore-trace.js";
import { type LockFunction, lockDir, namedLocks } from "./lock.js";
import { planFor, resolveCredentials } from "./pipeline.js";
import type { Env, Keystore, Plan, ResolvedCredentials, ResolveFlags } from "./types.js";

/** A plugin: a name (used as the tap name everywhere) and an `apply` that taps hooks. */
export interface VswPlugin {
  name: string;
  /**
   * The plugin API range the plugin needs (`"^1.0.0"`); the loader checks it against `apiVersion`
   * before `apply` runs. Absent: any version.
   */
  apiVersion?: string;
  /** The plugin's own version, shown by `vsw plugins`. */
  version?: string;
  apply(vsw: Vsw): void;
}

/** The terminal a plugin may talk to for prompts; never stdout, which belongs to the payload. */
export interface Terminal {
  /** Opens the controlling terminal, or returns `undefined` when the process has none. */
  open(): TerminalStreams | undefined;
}

export interface TerminalStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream;
  /** File descriptors of input and output, for a child process that talks to the terminal itself. */
  fds?: readonly [number, number];
  close(): void;
}

export interface VswOptions {
  /** The environment (tests hand in their own). */
  env: Env;
  /** Keystore name (`--keystore` / `VSW_KEYSTORE`), default `file`. */
  keystore?: string;
  /** Settings of the vsw config file's `[vsw]` section. */
  settings?: VswSettings;
  /** Wall clock in epoch milliseconds. */
  now?: () => number;
  /** Prompts go here. */
  terminal?: Terminal;
  /** Warnings for the user (stderr). */
  warn?: (line: string) => void;
  /** `--debug` trace sink (stderr); receives hook and tap names, never values. */
  debug?: (line: string) => void;
  /** Named inter-process locks (tests may hand in their own). Default: lock files in `lockDir(env)`. */
  lock?: LockFunction;
  /** Hears the hook name of every tap registered (the CLI records what each plugin taps). */
  onTap?: (hookName: string) => void;
}

/**
 * The environment variables that are some plugin's secret (a passphrase, a broker token): no
 * process vsw starts inherits them. Only `add` changes the set: a plugin cannot undeclare another's.
 */
export interface ChildSecrets extends Iterable<string> {
  /** Declares `name` a secret no child inherits (unless the user sets `<name>_INHERIT=1`). */
  add(name: string): ChildSecrets;
  has(name: string): boolean;
}

/** Settings of the vsw config file (`[vsw]`): defaults below the environment and the profile. */
export interface VswSettings {
  /** `keystore`: the keystore when neither `--keystore` nor `VSW_KEYSTORE` names one. */
  keystore?: string;
  /** `mfa_source`: the MFA source when neither the profile nor `VSW_MFA_SOURCE` chooses one. */
  mfaSource?: string;
}

export interface Vsw {
  readonly hooks: Hooks;
  /** The vsw config file's `[vsw]` settings. */
  readonly settings: Readonly<VswSettings>;
  readonly env: Env;
  readonly now: () => number;
  readonly terminal: Terminal;
  readonly warn: (line: string) => void;
  /**
   * The keystore's name: the one `--keystore` / `VSW_KEYSTORE` named, else the default once
   * `chooseKeystore` ran (`file` before that).
   */
  readonly keystoreName: string;
  /**
   * Settles which keystore this run uses: the named one, else the best one the `keystores` hook
   * offers that works here (probed once per run). The CLI calls it before a command runs.
   */
  chooseKeystore(): Promise<KeystoreChoice>;
  /** Names of the applied plugins, in order. */
  readonly plugins: readonly string[];
  use(plugin: VswPlugin): Vsw;
  /**
   * The variables no process vsw starts (`vsw exec`'s command, `credential_process`,
   * `mfa_process`) inherits, declared by the plugins that own them in `apply`:
   * `vsw.childSecrets.add("ACME_TOKEN")`. The user lets one through with `ACME_TOKEN_INHERIT=1`.
   */
  readonly childSecrets: ChildSecrets;
  /**
   * Calls the `shutdown` hook, once: later calls return the same promise. The CLI calls it before
   * exiting, after the command succeeded or failed.
   */
  shutdown(): Promise<void>;
  /**
   * The chosen keystore (or the one called `name`, for `vsw keystore migrate`), asked of the
   * `keystore` hook once and then remembered; its calls are traced and its errors attributed to the
   * plugin that answered.
   */
  keystore(name?: string): Keystore;
  /**
   * Runs `fn` holding the inter-process lock `name` (per user; held across processes and within
   * one), and returns its result. Waits up to `timeoutMs` (default 120 s), then fails with
   * `VSW_KEYSTORE_LOCKED`. A lock whose holder died is broken. Prefix a plugin's names with its own.
   */
  lock: LockFunction;
  /**
   * Runs the whole pipeline for `profile`, as `vsw export` does (plan, `authorize`, the cache, MFA,
   * the session taps, the `credentials` waterfall), for a plugin command that needs a profile's
   * session (`vsw login`). Since plugin API 1.3.
   */
  credentials(profile: string, flags?: ResolveFlags): Promise<ResolvedCredentials>;
  /**
   * The plan for `profile` after the `plan` hook, as `vsw plan` shows it: no secret read, no
   * network. Since plugin API 1.3.
   */
  plan(profile: string, flags?: ResolveFlags): Promise<Plan>;
}

const noTerminal: Terminal = { open: () => undefined };

/** Creates a `Vsw` with an empty hook table; apply built-ins with `use`. */
export function createVsw(options: VswOptions): Vsw {
  const hooks = createHooks(options.onTap);
  const plugins: string[] = [];
  const opened = new Map<string, Keystore>();
  // An empty VSW_KEYSTORE names nothing (`VSW_KEYSTORE= vsw …`).
  const named = options.keystore || options.env.VSW_KEYSTORE || options.settings?.keystore || undefined;
  let choice: Promise<KeystoreChoice> | undefined;
  // Which keystore tap answered: the last one tapable started before the bail.
  let answering = "keystore";
  hooks.keystore.intercept({
    tap: (tap) => {
      answering = tap.name;
    },
  });
  const secrets = new Set<string>();
  const childSecrets: ChildSecrets = {
    add(name) {
      secrets.add(name);
      return childSecrets;
    },
    has: (name) => secrets.has(name),
    [Symbol.iterator]: () => secrets.values(),
  };
  let shutdown: Promise<void> | undefined;
  if (options.debug) {
    const debug = options.debug;
    hooks.trace.tap("debug", (line) => debug(line));
  }
  const vsw: Vsw = {
    hooks,
    settings: options.settings ?? {},
    env: options.env,
    now: options.now ?? Date.now,
    terminal: options.terminal ?? noTerminal,
    warn: options.warn ?? (() => {}),
    keystoreName: named ?? "file",
    chooseKeystore() {
      choice ??= named
        ? Promise.resolve({ name: named, how: "named" as const })
        : chooseDefaultKeystore(hooks.keystores.call([]) ?? []).then((chosen) => {
            (vsw as { keystoreName: string }).keystoreName = chosen.name;
            return chosen;
          });
      return choice;
    },
    plugins,
    childSecrets,
    shutdown() {
      // Untapped (the usual case): no promise chain on the hot path's way out.
      shutdown ??= hooks.shutdown.taps.length ? hooks.shutdown.promise() : Promise.resolve();
      return shutdown;
    },
    lock: options.lock ?? namedLocks(() => lockDir(options.env)),
    credentials: (profile, flags) => resolveCredentials(vsw, profile, flags),
    plan: (profile, flags) => planFor(vsw, profile, flags),
    use(plugin) {
      plugin.apply(vsw);
      plugins.push(plugin.name);
      return vsw;
    },
    keystore(name = vsw.keystoreName) {
      const known = opened.get(name);
      if (known) return known;
      const answer = hooks.keystore.call({ name });
      if (!answer) {
        // The names a user can pass to --keystore: a tap may say so (`{ name, keystore: "file" }`);
        // otherwise the convention `keystore-<name>` of the tap's name (the built-in `keystore-file`).
        const known = hooks.keystore.taps
          .map((tap) => (tap as { keystore?: string }).keystore ?? tap.name.replace(/^keystore-/, ""))
          .map((known) => `"${known}"`)
          .join(", ");
        throw new VswError("VSW_KEYSTORE_UNKNOWN", `Keystore "${name}" is not known.`, {
          hint: known
            ? `Use --keystore or VSW_KEYSTORE with one of: ${known}.`
            : "No keystore plugin is loaded.",
        });
      }
      const chosen = traceKeystore(answer, answering, (line) => hooks.trace.call(line));
      opened.set(name, chosen);
      return chosen;
    },
  };
  return vsw;
}
