/**
 * The `pass` keystore plugin: long-lived keys and cached sessions as entries of the user's
 * password store (https://www.passwordstore.org), written and read by the real `pass` CLI, under a
 * prefix (default `vsw/`). Answers `{ name: "pass" }` on the `keystore` hook.
 */
import type { VswPlugin } from "../../plugin.js";
import { openPassStore, type PassKeystoreOptions, type PassStore } from "./pass-store.js";

export {
  openPassStore,
  type PassKeystoreOptions,
  type PassStore,
  type PassStoreOptions,
} from "./pass-store.js";

const NAME = "keystore-pass";

/**
 * The `pass` keystore plugin. Reads `PASSWORD_STORE_DIR` (else `$HOME/.password-store`),
 * `PASSWORD_STORE_KEY`, `PASSWORD_STORE_GPG_OPTS`, `GNUPGHOME`, `PATH` and `GPG_TTY` from `vsw.env`;
 * pass and gpg get `vsw.env` less the secrets plugins declared (`vsw.childSecrets`).
 */
export function passKeystore(options: PassKeystoreOptions = {}): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      let store: PassStore | undefined;
      const open = () =>
        (store ??= openPassStore({ ...options, env: vsw.env, childSecrets: vsw.childSecrets }));
      vsw.hooks.keystore.tap(NAME, (request) => (request.name === "pass" ? open() : undefined));
      // Offered, never chosen by itself (no rank): pass is the user's choice (--keystore pass).
      vsw.hooks.keystores.tap(NAME, (list) => [
        ...list,
        {
          name: "pass",
          description: "pass password store (GPG)",
          async probe() {
            try {
              const opened = open();
              // Names only: file names under the store, no gpg.
              const items = await opened.list();
              return { usable: true, holdsItems: items.length > 0, reason: `in ${opened.storeDir}` };
            } catch (error) {
              const failure = error as { message: string; hint?: string; code?: string };
              return { usable: false, reason: failure.message, hint: failure.hint, code: failure.code };
            }
          },
        },
      ]);
    },
  };
}
