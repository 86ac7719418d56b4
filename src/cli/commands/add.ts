import type { Argv, CommandModule } from "yargs";
import { commandHint, VswError } from "../../core/errors.js";
import { keysItem, type StoredKeys } from "../../core/items.js";
import type { TerminalStreams } from "../../core/vsw.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";
import { printable } from "../report.js";
import { confirm } from "../terminal.js";

export interface AddArgs extends GlobalArgs {
  profile: string;
  env?: boolean | undefined;
  force?: boolean | undefined;
}

/**
 * `vsw add PROFILE [--env] [--force]`: stores long-lived keys, typed on the terminal (the secret
 * hidden) or read from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Never from argv, where `ps`
 * shows them. Keys already stored under PROFILE are replaced only after a yes on the terminal, or
 * with --force (aws-vault replaces them silently; a lost key pair cannot be read back from AWS).
 */
export async function runAdd(args: AddArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const keystore = vsw.keystore();
  // Keys are checked before the keystore is touched where they can be: from the environment always,
  // and typed ones when the store holds nothing yet (a new store), so malformed keys never create
  // a store nor ask for a new passphrase.
  let early = args.env ? fromEnv() : undefined;
  if (!early && (await keystore.list()).length === 0) early = await fromTerminal(vsw.terminal.open());
  if (early) checkShape(early.accessKeyId, early.secretAccessKey);
  // Otherwise the passphrase is checked before anything is asked: a wrong one fails with nothing written.
  await keystore.open();
  if (
    !args.force &&
    (await keystore.list(keysItem(args.profile))).some((i) => i.name === keysItem(args.profile))
  )
    await confirmReplace(vsw.terminal.open(), args.profile, keystore.name);
  const keys = early ?? (await fromTerminal(vsw.terminal.open()));
  checkShape(keys.accessKeyId, keys.secretAccessKey);
  const stored: StoredKeys = { ...keys, addedAt: vsw.now() };
  await keystore.set(keysItem(args.profile), JSON.stringify(stored));
  process.stdout.write(`Stored the keys of "${printable(args.profile)}" in the ${keystore.name} keystore.\n`);
}

function fromEnv(): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) {
    throw new VswError(
      "VSW_KEYS_INVALID",
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set with --env.",
      {
        hint: "Export both variables, or run without --env to type the keys.",
      },
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** Asks before keys already stored are replaced; without a terminal, --force is the only way. */
async function confirmReplace(
  terminal: TerminalStreams | undefined,
  profile: string,
  keystoreName: string,
): Promise<void> {
  const name = printable(profile);
  if (!terminal) {
    throw new VswError(
      "VSW_KEYS_EXIST",
      `Profile "${name}" already has keys in the ${keystoreName} keystore.`,
      {
        hint: `Pass --force to replace them: ${commandHint("vsw add", profile)} --force.`,
      },
    );
  }
  await confirm(
    terminal,
    `Replace the keys of "${name}" already in the ${keystoreName} keystore?`,
    "Nothing was stored: the stored keys stay.",
  );
}

async function fromTerminal(
  terminal: TerminalStreams | undefined,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  if (!terminal) {
    throw new VswError("VSW_NO_TTY", "vsw add needs a terminal to ask for the keys.", {
      hint: "Use --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set.",
    });
  }
  try {
    const { default: prompts } = await import("prompts");
    const io = { stdin: terminal.input as NodeJS.ReadStream, stdout: terminal.output as NodeJS.WriteStream };
    let cancelled = false;
    const answers = await prompts(
      [
        { type: "text", name: "accessKeyId", message: "Access Key ID", ...io },
        { type: "password", name: "secretAccessKey", message: "Secret Access Key", ...io },
      ],
      {
        onCancel: () => {
          cancelled = true;
          return false;
        },
      },
    );
    if (cancelled) throw new VswError("VSW_CANCELLED", "Nothing was stored: the prompt was cancelled.");
    return {
      accessKeyId: String(answers.accessKeyId ?? "").trim(),
      secretAccessKey: String(answers.secretAccessKey ?? "").trim(),
    };
  } finally {
    terminal.close();
  }
}

/** Checks the shape of long-lived keys before storing; the values never appear in a message. */
export function checkShape(accessKeyId: string, secretAccessKey: string): void {
  if (/^ASIA/.test(accessKeyId)) {
    throw new VswError(
      "VSW_KEYS_INVALID",
      "The Access Key ID is a temporary (ASIA…) key; vsw stores long-lived keys only.",
      {
        hint: "Use the IAM user's access key (AKIA…); vsw makes the temporary sessions itself.",
      },
    );
  }
  if (!/^AKIA[A-Z0-9]{16}$/.test(accessKeyId)) {
    throw new VswError("VSW_KEYS_INVALID", "The Access Key ID must be 20 characters starting with AKIA.", {
      hint: "Copy it again from the IAM console or the CSV AWS gave you.",
    });
  }
  if (!/^[A-Za-z0-9/+]{40}$/.test(secretAccessKey)) {
    throw new VswError(
      "VSW_KEYS_INVALID",
      "The Secret Access Key must be 40 characters of letters, digits, / and +.",
      {
        hint: "Copy it again; it is shown only once when the key is created.",
      },
    );
  }
}

export const addCommand: CommandModule<GlobalArgs, AddArgs> = {
  ...yargsHead("add"),
  builder: (yargs) =>
    grammarOptions(
      yargs.positional("profile", { type: "string", demandOption: true }),
      "add",
    ) as unknown as Argv<AddArgs>,
  handler: runAdd,
};
