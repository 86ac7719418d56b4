import type { VswPlugin } from "../../plugin.js";
import { commandHint, keysItem, STAGE_DEFAULT, type StoredKeys, VswError } from "../../plugin.js";

const NAME = "source-stored-keys";

/** Answers `keys` steps with the long-lived keys kept in the keystore by `vsw add`. */
export function storedKeysSource(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.sourceCredentials.tapPromise(
        { name: NAME, stage: STAGE_DEFAULT },
        async ({ step, keystore }) => {
          if (step.type !== "keys") return undefined;
          const text = await keystore.get(keysItem(step.profile));
          if (text === undefined) {
            throw new VswError(
              "VSW_KEYS_NOT_FOUND",
              `Profile "${step.profile}" has no long-lived keys in the "${keystore.name}" keystore.`,
              { hint: `Store them with: ${commandHint("vsw add", step.profile)}` },
            );
          }
          const keys = JSON.parse(text) as StoredKeys;
          return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
        },
      );
    },
  };
}
