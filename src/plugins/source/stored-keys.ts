import { readFileSync } from "node:fs";
import type { Env, Vsw, VswPlugin } from "../../plugin.js";
import { commandHint, keysItem, STAGE_DEFAULT, type StoredKeys, VswError } from "../../plugin.js";
import { configPaths } from "../config/aws-config.js";

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
            const item = keysItem(step.profile);
            const elsewhere = plainTextKeys(vsw.env, step.profile)
              ? undefined
              : await otherStore(vsw, keystore.name, item);
            throw new VswError(
              "VSW_KEYS_NOT_FOUND",
              `Profile "${step.profile}" has no long-lived keys in the "${keystore.name}" keystore.`,
              {
                hint: plainTextKeys(vsw.env, step.profile)
                  ? `Its keys are in plain text in "${configPaths(vsw.env).credentialsFile}": move them with: ${commandHint("vsw import credentials-file --profile", step.profile)}`
                  : elsewhere
                    ? `The ${elsewhere} keystore holds them: use --keystore ${elsewhere}, or move them with: ${commandHint(`vsw keystore migrate --from ${elsewhere} --to ${keystore.name} --profile`, step.profile)}`
                    : `Store them with: ${commandHint("vsw add", step.profile)}`,
              },
            );
          }
          const keys = JSON.parse(text) as StoredKeys;
          return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
        },
      );
    },
  };
}

/**
 * The name of another keystore that holds `item` (names only: no value read, nothing unlocked), so
 * keys stored before the default changed are found; on this error path only.
 */
async function otherStore(vsw: Vsw, current: string, item: string): Promise<string | undefined> {
  for (const descriptor of vsw.hooks.keystores.call([]) ?? []) {
    if (descriptor.name === current) continue;
    try {
      const items = await vsw.keystore(descriptor.name).list(item);
      if (items.some((i) => i.name === item)) return descriptor.name;
    } catch {
      // Not usable here: it holds nothing we can point at.
    }
  }
  return undefined;
}

/**
 * Whether the credentials file's section `[profile]` sets `aws_access_key_id`: then the error says
 * to run `vsw import credentials-file`. Read only on this error path, so the hot path pays nothing.
 */
function plainTextKeys(env: Env, profile: string): boolean {
  let text: string;
  try {
    text = readFileSync(configPaths(env).credentialsFile, "utf8");
  } catch {
    return false;
  }
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t.startsWith("[")) inSection = t.endsWith("]") && t.slice(1, -1).trim() === profile;
    else if (inSection && /^aws_access_key_id\s*[=:]\s*[^\s#;]/i.test(t)) return true;
  }
  return false;
}
