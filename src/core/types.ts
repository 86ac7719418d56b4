/**
 * Shared types of the vsw core. Nothing here is concrete: keystores, MFA sources, STS and
 * output formats implement these shapes in `src/plugins`.
 */
import type { SectionIndex } from "./config-index.js";

export type { SectionIndex } from "./config-index.js";

/** The process environment as the core sees it: handed in, never read from `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Command-line options that influence resolution (flag > env > profile > include > default). */
export interface ResolveFlags {
  /** `--duration`, in seconds, for the last step of the plan. */
  durationSeconds?: number;
  /** `--no-session`: no GetSessionToken; the stored keys themselves, or a role assumed straight from them. */
  noSession?: boolean;
  /** `--region`. */
  region?: string;
  /** `--mfa-serial`. */
  mfaSerial?: string;
  /** `--role-session-name`. */
  roleSessionName?: string;
  /**
   * `--min-remaining`, in seconds: a cached session for the last step is handed out only with at
   * least this much life left (default 5 min); otherwise it is minted again from its parent.
   */
  minRemainingSeconds?: number;
}

/** Everything the pure resolver needs; no I/O happens inside it. */
export interface ResolveInput {
  profile: string;
  configText: string;
  /** Path shown in error messages. */
  configFile: string;
  credentialsText: string;
  credentialsFile: string;
  /** Profile names that have long-lived keys in the keystore. */
  storedKeys: ReadonlySet<string>;
  env: Env;
  flags: ResolveFlags;
  /**
   * Where the sections of the two texts are, when the config plugin kept an index of files it
   * has seen unchanged (config-index.ts): the resolver then parses only the sections it needs.
   * Without it, both texts are parsed whole.
   */
  sectionIndex?: { config: SectionIndex; credentials: SectionIndex };
}

/** Step 1 of a plan: the stored long-lived keys of `profile`. */
export interface KeysStep {
  type: "keys";
  profile: string;
  /** Whether the keystore holds keys for this profile (false: `vsw add` is needed first). */
  stored: boolean;
}

/** Step 1 of a plan: run `command` and read a `credential_process` Version 1 document. */
export interface CredentialProcessStep {
  type: "credential_process";
  profile: string;
  command: string;
}

/** Where and how an STS call is made; carried by every STS step. */
export interface StsTarget {
  /** Region for the STS client (`null`: the SDK default, us-east-1 / global endpoint). */
  region: string | null;
  /** `endpoint_url` of the profile, if any (env overrides are honoured by the SDK itself). */
  endpointUrl: string | null;
  /** `sts_regional_endpoints` of the profile (`legacy` | `regional`), if set. */
  stsRegionalEndpoints: string | null;
  /** `mfa_process` command of the profile that declares the MFA serial, if any. */
  mfaProcess: string | null;
  /**
   * The other `mfa_*` settings of the profile that declares the MFA serial (`mfa_source`,
   * `mfa_ykman_account`, a team plugin's own `mfa_acme_*`), with its source profile's when both
   * name the same serial; absent when there are none. Handed to the MFA sources as `options`.
   */
  mfaOptions?: Record<string, string>;
}

/** An STS GetSessionToken call made with the previous step's credentials. */
export interface GetSessionTokenStep extends StsTarget {
  type: "GetSessionToken";
  profile: string;
  mfaSerial: string | null;
  durationSeconds: number;
}

/** An STS AssumeRole call made with the previous step's credentials. */
export interface AssumeRoleStep extends StsTarget {
  type: "AssumeRole";
  profile: string;
  roleArn: string;
  mfaSerial: string | null;
  durationSeconds: number;
  externalId: string | null;
  roleSessionName: string;
  sourceIdentity: string | null;
  sessionTags: Record<string, string>;
  transitiveTagKeys: string[];
  /** True when the caller holds temporary credentials, so AWS caps the session at 1 h. */
  chained: boolean;
}

/** Which kind of source an {@link ExternalSourceStep} stands for. */
export type ExternalSourceKind = "sso" | "credential_source" | "web_identity";

/**
 * Step 1 of a plan when the source profile takes its credentials from somewhere the core does not
 * reach itself: IAM Identity Center (`sso_*` keys), `credential_source` (with `role_arn`: the
 * profile's role is the next step), or `web_identity_token_file` (with `role_arn`: the step itself
 * yields the role's credentials). The resolver only places it; a plugin's `plan` tap replaces it
 * with a step of its own. One still in the plan after the `plan` hook is `VSW_CONFIG_UNSUPPORTED`
 * with `unsupported` as the sentence and hint.
 */
export interface ExternalSourceStep {
  type: "external";
  profile: string;
  kind: ExternalSourceKind;
  /**
   * The source profile's settings as the resolver read them (`include_profile` and the environment
   * overrides applied), without `aws_secret_access_key` and `aws_session_token`.
   */
  settings: Record<string, string>;
  /** The `[sso-session NAME]` section named by the profile's `sso_session`, when the config has it. */
  ssoSession?: Record<string, string>;
  /** Where each setting was read (`"~/.aws/config" line 12`), for a plugin's error messages. */
  origins: Record<string, string>;
  /** What vsw says when no plugin takes the step. */
  unsupported: { message: string; hint: string };
}

/** The built-in source steps. */
export type SourceStep = KeysStep | CredentialProcessStep | ExternalSourceStep;
/** The built-in session steps (STS). */
export type SessionStep = GetSessionTokenStep | AssumeRoleStep;

/**
 * A step of a kind a plugin owns (IAM Identity Center, web identity, a company broker), added by a
 * `plan` tap. Its `type` is namespaced `"<plugin>:<kind>"` (`"acme-broker:token"`): the colon keeps
 * it apart from the built-in kinds, so `step.type === "keys"` still narrows. As the first step it
 * is answered by `sourceCredentials`, later by `session`; the plugin that made it taps both for its
 * own kinds. A plugin describes its own fields by extending this interface.
 */
export interface PluginStep {
  type: `${string}:${string}`;
  profile: string;
  /** The one line `vsw plan` prints for the step (`IAM Identity Center role Admin in 111111111111`). */
  label: string;
  /** Asked of the `mfaToken` hook before `session` when set, as for an STS step. */
  mfaSerial?: string | null;
  /** `mfa_process` handed to the `mfaToken` hook with `mfaSerial`. */
  mfaProcess?: string | null;
  /** Other `mfa_*` settings handed to the `mfaToken` hook as `options` (see `StsTarget`). */
  mfaOptions?: Record<string, string>;
  /** How long the session is asked for: a cached one minted for less is not reused. */
  durationSeconds?: number;
}

/** Any step of a plan: a built-in one, or a plugin's own. */
export type PlanStep = SourceStep | SessionStep | PluginStep;

/**
 * An ordered plan: the first step is the source, each later step consumes the previous one's
 * output. Built by the pure resolver, then passed through the `plan` waterfall.
 */
export interface Plan {
  profile: string;
  region: string | null;
  steps: [SourceStep | PluginStep, ...(SessionStep | PluginStep)[]];
}

/** A set of AWS credentials, long-lived (no token) or temporary. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch milliseconds; absent for long-lived keys. */
  expiration?: number;
  /** 12-digit account id, when known. */
  accountId?: string;
}

/** Final credentials together with what a format needs to describe them. */
export interface ResolvedCredentials {
  profile: string;
  region: string | null;
  credentials: Credentials;
}

/** Asks an MFA source for a one-time code. */
export interface MfaRequest {
  /** Profile whose session needs the code. */
  profile: string;
  serial: string;
  /** `mfa_process` of the profile, if any. */
  mfaProcess: string | null;
  /** The session step the code is for (its endpoint and region), when the pipeline asks. */
  step?: SessionStep | PluginStep;
  /**
   * The MFA source the user chose: the profile's `mfa_source`, else `VSW_MFA_SOURCE`, else the vsw
   * config file's `mfa_source`; `null` for "the first that can answer". A source answers only
   * when it is the one chosen (or none is); `--mfa-token` answers always. The core has checked
   * that some plugin offers it (the `mfaSources` hook).
   */
  source?: string | null;
  /** The profile's other `mfa_*` settings (`mfa_ykman_account`, …); empty when none. */
  options?: Readonly<Record<string, string>>;
}

/**
 * An MFA source as `vsw plan` shows it and `mfa_source` names it (the `mfaSources` hook). Its
 * `mfaToken` tap does the work; this only says whether it would answer.
 */
export interface MfaSourceDescriptor {
  /** The name `mfa_source` takes (`prompt`, `process`, `totp`, `ykman`). */
  name: string;
  /** A few words: what it is. */
  description: string;
  /** Where it stands when no source is chosen: lower asks first (flag 0, process 10, totp 20, ykman 30, prompt 100). */
  order: number;
  /**
   * Whether it would answer `request` without being chosen; must not prompt, touch a device or
   * read a secret (a keystore `list` is fine).
   */
  available(request: MfaRequest): boolean | Promise<boolean>;
}

/** Metadata of one keystore item; never contains the secret. */
export interface KeystoreItem {
  name: string;
  /**
   * Epoch milliseconds after which the item is useless (cached sessions): the `expiresAt` given to
   * `set`, kept where it can be read without decrypting (a clear header, a label, a tag).
   */
  expiresAt?: number;
}

/**
 * A place to keep secrets. Item names and their metadata are not secret; values are. `list` must
 * not read or decrypt a value (nor prompt for a passphrase, where the backend allows): `vsw list`,
 * `vsw plan` and completion call it. Keystores need no lock of their own for vsw: the core
 * serialises what must be (`vsw.lock`); a keystore that locks its own files may use `withFileLock`.
 * Calls are traced by `--debug` and their errors attributed to the plugin that answered the
 * `keystore` hook.
 */
export interface Keystore {
  readonly name: string;
  /** Unlocks the store and checks the passphrase, so a wrong one fails before anything is asked or written. */
  open(): Promise<void>;
  /** Names and metadata of the items whose names start with `prefix` (all by default), sorted by name; reads no value. */
  list(prefix?: string): Promise<KeystoreItem[]>;
  /** The value of an item, or `undefined` when there is none. */
  get(name: string): Promise<string | undefined>;
  /** Stores (or replaces) an item; `meta.expiresAt` must come back from `list` without a decrypt. */
  set(name: string, value: string, meta?: { expiresAt?: number }): Promise<void>;
  /** Returns whether an item was removed. */
  delete(name: string): Promise<boolean>;
  /** Forgets any cached unlock (`vsw lock`); returns whether something was forgotten. */
  lock?(): boolean;
}

/**
 * What a keystore plugin says of its store on this machine, for `vsw keystore list` and for the
 * choice of the default keystore. A probe reads no value and prompts for nothing.
 */
export interface KeystoreStatus {
  /** Whether the store can be used here now (a locked keychain that can be unlocked counts). */
  usable: boolean;
  /** One sentence: why it cannot be used, or a note (`locked`); no secret. */
  reason?: string;
  /** What to do about it. */
  hint?: string;
  /** The error code a command using it would fail with. */
  code?: string;
  /** Whether it holds items; `undefined` when that is not known without more work. */
  holdsItems?: boolean;
}

/** A keystore a plugin offers, as `vsw keystore list` shows it (the `keystores` hook). */
export interface KeystoreDescriptor {
  /** The name `--keystore` takes. */
  name: string;
  /** A few words: what it is. */
  description: string;
  /**
   * Where it stands in the automatic choice when no keystore is named: lower first (the keychain
   * 10, the file store 100). Absent: used only when named (`pass`, a team's store).
   */
  defaultRank?: number;
  /** Checks the store here; must not read a value, prompt, or take long (a second at most). */
  probe(): Promise<KeystoreStatus>;
}

/** Chooses a keystore by name (`--keystore`, `VSW_KEYSTORE`). */
export interface KeystoreRequest {
  name: string;
}

/** Obtains the source credentials of a plan's first step. */
export interface SourceRequest {
  step: SourceStep | PluginStep;
  keystore: Keystore;
}

/** Mints the session of one plan step from its parent credentials. */
export interface SessionRequest {
  step: SessionStep | PluginStep;
  parent: Credentials;
  /** The one-time code when the step has an MFA serial. */
  mfaToken: string | undefined;
}

/** Looks up, stores or drops the cached result of one plan step. */
export interface CacheRequest {
  step: PlanStep;
  keystore: Keystore;
  /** A cached answer needs at least this many seconds of life left (undefined: the cache's default, 5 min). */
  minRemainingSeconds?: number;
  /**
   * A cached session must have been minted for at least this many seconds (undefined: any). A
   * session minted for 15 min does not answer a request for 1 h.
   */
  minDurationSeconds?: number;
}

/** Emitted after a session was minted (the cache stores it). */
export interface SessionCreatedEvent extends CacheRequest {
  credentials: Credentials;
}

/** Emitted when obtaining credentials failed. */
export interface SessionFailedEvent {
  step: PlanStep;
  error: unknown;
}

/** What a format turns into text. */
export interface FormatRequest extends ResolvedCredentials {
  /** Target shell of the `env` format. */
  shell?: string;
}

/** What the `plan` waterfall's taps see besides the plan: the resolver's whole input. */
export type PlanContext = Readonly<ResolveInput>;

/**
 * What the `authorize` hook decides on: the final plan, before any secret is read, any MFA code
 * asked or any STS call made.
 */
export interface AuthorizeRequest {
  /** The profile asked for. */
  profile: string;
  /** The plan that is about to run (after the `plan` waterfall). */
  plan: Readonly<Plan>;
  /** The environment vsw runs in (`VSW_REASON`, …). */
  env: Env;
  /** The command-line options that shaped the plan. */
  flags: Readonly<ResolveFlags>;
}
