/**
 * The `file` keystore plugin: long-lived keys and cached sessions encrypted in a directory of
 * files, unlocked by a passphrase (scrypt) that is remembered for a login session on a RAM file
 * system. Answers `{ name: "file" }` on the `keystore` hook.
 */
import { readdirSync } from "node:fs";
import type { VswPlugin } from "../../plugin.js";
import { type FileKeystoreOptions, type FileStore, openFileStore } from "./file-store.js";

export {
  type FileKeystoreOptions,
  type FileStore,
  type FileStoreOptions,
  lockFileStore,
  openFileStore,
} from "./file-store.js";

const NAME = "keystore-file";

/**
 * The `file` keystore plugin. Reads `VSW_FILE_DIR`, `XDG_DATA_HOME`, `HOME`, `VSW_FILE_PASSPHRASE`,
 * `VSW_FILE_UNLOCK_TTL` and `XDG_RUNTIME_DIR` from `vsw.env`, prompts on `vsw.terminal`.
 */
export function fileKeystore(options: FileKeystoreOptions = {}): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      // Security decision: the passphrase is vsw's secret, so no child gets it (child-env.ts)
      // unless the user sets VSW_FILE_PASSPHRASE_INHERIT=1. A credential_process that is itself
      // vsw finds the key in the unlock cache or asks on the terminal; the opt-in is for unattended
      // nesting with the unlock cache off (VSW_FILE_UNLOCK_TTL=0).
      vsw.childSecrets.add("VSW_FILE_PASSPHRASE");
      let store: FileStore | undefined;
      const open = () =>
        (store ??= openFileStore({ ...options, env: vsw.env, terminal: vsw.terminal, now: vsw.now }));
      vsw.hooks.keystores.tap(NAME, (list) => [
        ...list,
        {
          name: "file",
          description: "encrypted file store",
          defaultRank: 100,
          async probe() {
            let dir: string;
            try {
              dir = open().dir;
            } catch (error) {
              return { usable: false, reason: (error as Error).message, code: "VSW_KEYSTORE_UNAVAILABLE" };
            }
            // Names only (a readdir): holding items is what keeps a user's keys where they are.
            let holdsItems = false;
            try {
              holdsItems = readdirSync(dir).some((f) => f.endsWith(".item") && !f.startsWith("."));
            } catch {}
            return { usable: true, holdsItems, reason: `in ${dir}` };
          },
        },
      ]);
      vsw.hooks.keystore.tap(NAME, (request) => {
        if (request.name !== "file") return undefined;
        return open();
      });
    },
  };
}
