/**
 * The `keychain` keystore plugin: the OS keychain through `@napi-rs/keyring` (macOS Keychain,
 * Windows Credential Manager, the Linux Secret Service). On Linux always the Secret Service, never
 * the kernel keyring the library falls back to silently (later processes cannot read that one).
 *
 * Long-lived keys and cached sessions live under two services (`vsw-keys`, `vsw-sessions`), the item
 * name as the account. On Linux, names and expiry times are read from the items' attributes over
 * D-Bus (secret-service.ts): listing reads no secret and unlocks nothing, and a session's expiry is
 * an attribute of its own (`vsw-expires`), so expired sessions are found without reading one.
 */
import type { Env, Keystore, KeystoreItem, KeystoreStatus, VswPlugin } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { assertItem, assertName } from "./file-names.js";
import {
  addAttributes,
  EXPIRES_ATTRIBUTE,
  listItems,
  probeSecretService,
  type SecretServiceState,
} from "./secret-service.js";

export type KeyringModule = typeof import("@napi-rs/keyring");

const NAME = "keystore-keychain";
/** Pinned on Linux: without it, no D-Bus means the kernel keyring, silently. */
const ENTRY_OPTIONS = { linux: { store: "secret-service" as const } };
const SESSION_PREFIX = "session/";

/** Options of the `keychain` keystore. */
export interface KeychainOptions {
  /** Prefix of the two services, `<service>-keys` and `<service>-sessions`. Default `vsw`. */
  service?: string;
}

/** Options of {@link openKeychainStore}: the plugin options plus the context. */
export interface KeychainStoreOptions extends KeychainOptions {
  /** The environment (`vsw.env`): where the D-Bus session bus is. */
  env: Env;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** The binding (default `@napi-rs/keyring`); tests hand in one that records its calls. */
  keyring?: KeyringModule;
}

/** The `keychain` plugin: answers `{ name: "keychain" }` and offers the keychain as the first default. */
export function keychainKeystore(options: KeychainOptions = {}): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      let store: Keystore | undefined;
      vsw.hooks.keystore.tap(NAME, (request) => {
        if (request.name !== "keychain") return undefined;
        store ??= openKeychainStore({ ...options, env: vsw.env });
        return store;
      });
      vsw.hooks.keystores.tap(NAME, (list) => [
        ...list,
        {
          name: "keychain",
          description: "OS keychain",
          defaultRank: 10,
          probe: () => probeKeychain({ ...options, env: vsw.env }),
        },
      ]);
    },
  };
}

/** Whether the keychain works here, and why not; reads no secret, unlocks nothing. */
export async function probeKeychain(options: KeychainStoreOptions): Promise<KeystoreStatus> {
  const platform = options.platform ?? process.platform;
  if (platform !== "linux") {
    try {
      await loadKeyring(platform);
      return { usable: true };
    } catch (error) {
      const failure = error as VswError;
      return { usable: false, reason: failure.message, hint: failure.hint, code: failure.code };
    }
  }
  const state = await probeSecretService(options.env, 1500, [services(options).keys]);
  if (state.state !== "ready") {
    const failure = stateError(state, "be used");
    return { usable: false, reason: stateCause(state), hint: failure.hint, code: failure.code };
  }
  const holdsItems = state.items === undefined ? undefined : state.items > 0;
  const keyring = `the "${state.collection.split("/").pop()}" keyring`;
  return state.locked
    ? {
        usable: true,
        holdsItems,
        reason: `${keyring} of the Secret Service is locked; it is unlocked when a command needs a key`,
      }
    : { usable: true, holdsItems, reason: `${keyring} of the Secret Service` };
}

/** Opens (lazily: nothing is loaded or asked until a method runs) the keychain keystore. */
export function openKeychainStore(options: KeychainStoreOptions): Keystore {
  const { env } = options;
  const platform = options.platform ?? process.platform;
  const names = services(options);
  const serviceOf = (name: string) => (name.startsWith(SESSION_PREFIX) ? names.sessions : names.keys);
  let loaded: Promise<KeyringModule> | undefined;
  const load = () => (options.keyring ? Promise.resolve(options.keyring) : loadKeyring(platform));
  const entry = async (name: string) => {
    loaded ??= load();
    const keyring = await loaded;
    return new keyring.AsyncEntry(serviceOf(name), name, ENTRY_OPTIONS);
  };
  const explain = async (error: unknown, action: string, name: string): Promise<VswError> => {
    if (error instanceof VswError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (platform === "linux") {
      if (/prompt was dismissed|IsLocked|is locked/i.test(message)) return lockedError(action);
      const state = await probeSecretService(env).catch(() => undefined);
      if (state && state.state !== "ready") return stateError(state, action);
    }
    const line = message.split("\n")[0]?.replace(/\.$/, "") ?? "";
    return new VswError("VSW_KEYCHAIN_FAILED", `The keychain could not ${action} "${name}": ${line}.`, {
      hint: "Check that the keychain works (`vsw keystore list`), or use --keystore file.",
      cause: error,
    });
  };

  return {
    name: "keychain",
    async open() {
      if (platform !== "linux") {
        loaded ??= load();
        await loaded;
        return;
      }
      const state = await probeSecretService(env);
      if (state.state !== "ready") throw stateError(state, "be opened");
    },
    async list(prefix = "") {
      const wanted = [names.keys, names.sessions].filter((service) =>
        service === names.sessions
          ? SESSION_PREFIX.startsWith(prefix) || prefix.startsWith(SESSION_PREFIX)
          : !prefix.startsWith(SESSION_PREFIX),
      );
      const found = new Map<string, KeystoreItem>();
      if (platform === "linux") {
        let items: Awaited<ReturnType<typeof listItems>>;
        try {
          items = await listItems(env, wanted);
        } catch (error) {
          throw await explain(error, "list the items of", "vsw");
        }
        for (const { attributes } of items) {
          const service = attributes.get("service");
          const name = attributes.get("username");
          if (service === undefined || name === undefined) {
            // gnome-keyring shows only hashes of the attributes of a collection that was not
            // unlocked since it started: the names cannot be known without unlocking it.
            throw new VswError(
              "VSW_KEYCHAIN_LOCKED",
              "The keychain is locked, and vsw does not unlock it just to list names.",
              {
                hint: "Unlock the keyring (log in to the desktop, or open Passwords and Keys), or run a command that needs a key, which asks to unlock it.",
              },
            );
          }
          if (!wanted.includes(service) || serviceOf(name) !== service || !name.startsWith(prefix)) continue;
          const expires = Number(attributes.get(EXPIRES_ATTRIBUTE));
          const item: KeystoreItem =
            Number.isFinite(expires) && expires > 0 ? { name, expiresAt: expires } : { name };
          found.set(name, item);
        }
      } else {
        // macOS and Windows: the library lists accounts only with their values; the values are dropped.
        loaded ??= load();
        const keyring = await loaded;
        for (const service of wanted) {
          let credentials: Array<{ account: string }>;
          try {
            credentials = await keyring.findCredentialsAsync(service);
          } catch (error) {
            throw await explain(error, "list the items of", "vsw");
          }
          for (const { account } of credentials) {
            if (account.startsWith(prefix) && serviceOf(account) === service)
              found.set(account, { name: account });
          }
        }
      }
      return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async get(name) {
      assertName(name);
      try {
        const value = await (await entry(name)).getPassword();
        return value ?? undefined;
      } catch (error) {
        throw await explain(error, "read", name);
      }
    },
    async set(name, value, meta) {
      const expiresAt = assertItem(name, value, meta);
      try {
        await (await entry(name)).setPassword(value);
      } catch (error) {
        throw await explain(error, "store", name);
      }
      if (expiresAt !== undefined && platform === "linux") {
        // The library writes only service and username; the expiry joins them so `list` sees it
        // without the secret. Best effort: a Secret Service that refuses leaves the item unexpired
        // in listings, and the cache still checks the expiry inside the value.
        await addAttributes(
          env,
          new Map([
            ["service", serviceOf(name)],
            ["username", name],
          ]),
          new Map([[EXPIRES_ATTRIBUTE, String(Math.round(expiresAt))]]),
        ).catch(() => false);
      }
    },
    async delete(name) {
      assertName(name);
      try {
        return await (await entry(name)).deletePassword();
      } catch (error) {
        throw await explain(error, "delete", name);
      }
    },
  };
}

function services(options: KeychainOptions): { keys: string; sessions: string } {
  const base = options.service ?? "vsw";
  return { keys: `${base}-keys`, sessions: `${base}-sessions` };
}

/** Loads the native binding, or says the platform has none. */
async function loadKeyring(platform: NodeJS.Platform): Promise<KeyringModule> {
  if (platform !== "linux" && platform !== "darwin" && platform !== "win32") throw unsupported(platform);
  try {
    // require, not import(): the binding is CommonJS, and import() would run Node's CommonJS export
    // scanner over it on every cached run (about 4 ms).
    // node:module is loaded here, not at start-up: the file store's runs never need it.
    const { createRequire } = process.getBuiltinModule("node:module");
    return createRequire(import.meta.url)("@napi-rs/keyring") as KeyringModule;
  } catch (error) {
    throw unsupported(platform, error);
  }
}

function unsupported(platform: string, cause?: unknown): VswError {
  return new VswError(
    "VSW_KEYCHAIN_UNSUPPORTED",
    `The OS keychain is not supported on this platform (${platform} ${process.arch}).`,
    { hint: "Use --keystore file (an encrypted file) or --keystore pass.", cause },
  );
}

function lockedError(action: string): VswError {
  return new VswError(
    "VSW_KEYCHAIN_LOCKED",
    `The keychain is locked and was not unlocked, so vsw could not ${action} its item (the unlock prompt was dismissed or could not be shown).`,
    {
      hint: "Unlock the keyring (log in to the desktop, or open Passwords and Keys), then run the command again; over SSH, use --keystore file or pass.",
    },
  );
}

type NotReady = Exclude<SecretServiceState, { state: "ready" }>;

/** Why a Secret Service that is not ready cannot be used, as a clause. */
function stateCause(state: NotReady): string {
  switch (state.state) {
    case "no-dbus":
      return `there is no D-Bus session bus (${state.detail})`;
    case "no-service":
      return `no Secret Service runs on the D-Bus session bus (${state.detail})`;
    case "no-collection":
      return "the Secret Service has no default keyring to keep items in";
  }
}

/** The error of a Secret Service that is not ready. */
function stateError(state: NotReady, action: string): VswError {
  const message = `The keychain cannot ${action}: ${stateCause(state)}.`;
  switch (state.state) {
    case "no-dbus":
      return new VswError("VSW_KEYCHAIN_NO_DBUS", message, {
        hint: "Run vsw in a desktop session (over SSH, the keychain of the desktop is not reachable), or use --keystore file or pass.",
      });
    case "no-service":
      return new VswError("VSW_KEYCHAIN_NO_SERVICE", message, {
        hint: "Start one (gnome-keyring-daemon --start --components=secrets, KeePassXC with Secret Service on, or KWallet), or use --keystore file.",
      });
    case "no-collection":
      return new VswError("VSW_KEYCHAIN_NO_COLLECTION", message, {
        hint: 'Create a keyring and make it the default (Passwords and Keys: File → New → Password Keyring, then "Set as default"), or use --keystore file.',
      });
  }
}
