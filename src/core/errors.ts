/**
 * Error types. Every failure a user can meet is a `VswError` with a stable code; tests assert on
 * `code`, users and scripts search for it. Messages never carry a secret.
 */

/**
 * The built-in error codes. Never rename one: scripts match on them. Codes are open: a plugin may
 * use its own (`ACME_POLICY_DENIED`), see {@link ErrorCode}.
 */
export type VswErrorCode =
  | "VSW_USAGE"
  | "VSW_CONFIG_INVALID"
  | "VSW_CONFIG_UNSUPPORTED"
  | "VSW_PROFILE_NOT_FOUND"
  | "VSW_PROFILE_CYCLE"
  | "VSW_KEYS_NOT_FOUND"
  | "VSW_KEYS_INVALID"
  | "VSW_KEYSTORE_UNKNOWN"
  | "VSW_KEYSTORE_LOCKED"
  | "VSW_KEYSTORE_BAD_PASSPHRASE"
  | "VSW_KEYSTORE_CORRUPT"
  | "VSW_KEYSTORE_ORPHANED"
  | "VSW_KEYSTORE_UNAVAILABLE"
  | "VSW_NO_TTY"
  | "VSW_MFA_REQUIRED"
  | "VSW_MFA_INVALID_CODE"
  | "VSW_MFA_FAILED"
  | "VSW_MFA_PROCESS_FAILED"
  | "VSW_STS_ACCESS_DENIED"
  | "VSW_STS_EXPIRED"
  | "VSW_STS_UNREACHABLE"
  | "VSW_STS_ERROR"
  | "VSW_CREDENTIAL_PROCESS_FAILED"
  | "VSW_CREDENTIAL_PROCESS_RECURSION"
  | "VSW_CREDENTIAL_SOURCE_FAILED"
  | "VSW_WEB_IDENTITY_TOKEN"
  | "VSW_WEB_IDENTITY_REJECTED"
  | "VSW_FORMAT_UNKNOWN"
  | "VSW_VALUE_UNREPRESENTABLE"
  | "VSW_NO_SOURCE"
  | "VSW_PLAN_INVALID"
  | "VSW_PLUGIN_LOAD"
  | "VSW_PLUGIN_ERROR"
  | "VSW_PLUGIN_API"
  | "VSW_CANCELLED"
  | "VSW_NOT_SUPPORTED"
  | "VSW_IO_ERROR"
  | "VSW_INSTALL_BROKEN"
  | "VSW_KEYS_EXIST"
  | "VSW_LOGIN_FAILED"
  | "VSW_BROWSER_FAILED"
  | "VSW_IAM_ACCESS_DENIED"
  | "VSW_IAM_LIMIT_EXCEEDED"
  | "VSW_IAM_ERROR"
  | "VSW_ROTATE_FAILED";

/**
 * Any error code: a built-in one (listed for autocompletion) or a plugin's own, best with a prefix
 * of its own (`ACME_POLICY_DENIED`).
 */
export type ErrorCode = VswErrorCode | (string & {});

/**
 * The brand every `VswError` carries. Errors are recognised by it, never by `instanceof`: a plugin
 * may bundle its own copy of `vsw/plugin`, whose `VswError` is another class (rollup recognises
 * plugin errors by their properties for the same reason). `Symbol.for` is the same symbol in every
 * copy.
 */
export const VSW_ERROR_BRAND: unique symbol = Symbol.for("vsw.error") as never;

export interface VswErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** The one error type of vsw: a sentence, a stable code and a remedy. */
export class VswError extends Error {
  declare readonly [VSW_ERROR_BRAND]: true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** The plugin and hook the error was thrown in, set by the hook interceptor. */
  origin: { plugin: string; hook: string } | undefined;

  constructor(code: ErrorCode, message: string, options: VswErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, VSW_ERROR_BRAND, { value: true });
    this.name = "VswError";
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * An error thrown inside a plugin's tap, attributed to the plugin and hook (as rollup does).
 * A `VswError` thrown by a plugin keeps its own code and message: the plugin explained it.
 */
export class PluginError extends VswError {
  readonly plugin: string;
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super("VSW_PLUGIN_ERROR", `Plugin "${plugin}" failed in hook "${hook}": ${text}`, {
      cause,
      hint: "Run again with --debug for the stack trace, and report it to the plugin's authors.",
    });
    this.name = "PluginError";
    this.plugin = plugin;
    this.hook = hook;
  }
}

/**
 * Whether `error` is a `VswError` (with the given code): any object carrying the brand, a string
 * `code` and a string `message`, from whichever copy of `vsw/plugin` it was made by.
 */
export function isVswError(error: unknown, code?: ErrorCode): error is VswError {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { [VSW_ERROR_BRAND]?: unknown; code?: unknown; message?: unknown };
  return (
    e[VSW_ERROR_BRAND] === true &&
    typeof e.code === "string" &&
    typeof e.message === "string" &&
    (code === undefined || e.code === code)
  );
}

/**
 * One word of a shell command, safe to copy into bash, zsh or sh: a plain word stays as it is,
 * anything else is POSIX single-quoted. Core cannot import the shell formats, so this repeats
 * `quotePosix` of plugins/format/shell-quote.ts.
 */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(word)) return word;
  if (word === "") return "''";
  return word
    .split("'")
    .map((run) => (run === "" ? "" : `'${run}'`))
    .join("\\'");
}

/**
 * A command for a hint, safe to copy (`vsw add 'my prod'`); arguments that start with `-` follow
 * `--`, so they are not read as flags (`vsw add -- -weird`).
 */
export function commandHint(command: string, ...args: string[]): string {
  const dashes = args.some((arg) => arg.startsWith("-")) ? ["--"] : [];
  return [command, ...dashes, ...args.map(shellWord)].join(" ");
}
