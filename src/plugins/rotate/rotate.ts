/**
 * `vsw rotate PROFILE`: a new access key for the IAM user whose long-lived keys PROFILE uses, as
 * aws-vault's `rotate`. IAM calls are made with an MFA session when the profile has `mfa_serial`
 * (GetSessionToken with MFA; AWS refuses IAM calls from a session without MFA), else with the
 * stored keys. The new key is stored only once STS accepts it, and the old one deleted only after.
 *
 * Crash safety (each point has a test that kills vsw there, test/rotate.test.ts): a journal item
 * `rotate/PROFILE` in the keystore (encrypted, like the keys) is written before IAM is changed
 * and removed last. At every point the keystore holds a working key and IAM at most one more:
 *
 * | killed after                        | keystore | IAM      | the next `vsw rotate` …                        |
 * | ----------------------------------- | -------- | -------- | ---------------------------------------------- |
 * | journal written (`intent`)          | old      | old      | finds no new key, drops the journal, rotates   |
 * | CreateAccessKey (`created`)         | old      | old, new | deletes the new key (its secret was lost; the  |
 * |                                     |          |          | journal listed the keys before), rotates       |
 * | new key journaled (`recorded`)      | old      | old, new | waits for the new key, stores it, deletes old  |
 * | new key works (`working`)           | old      | old, new | same                                           |
 * | new key stored (`stored`)           | new      | old, new | deletes the old key                            |
 * | old key deleted (`deleted`)         | new      | new      | drops the journal                              |
 *
 * Finishing an interrupted rotation is the rotation: the rerun says so and stops.
 */
import type {
  CommandArgs,
  Credentials,
  Keystore,
  Plan,
  PluginCommand,
  StoredKeys,
  Vsw,
  VswPlugin,
} from "../../plugin.js";
import { commandHint, formatDuration, keysItem, parseDuration, parseItem, VswError } from "../../plugin.js";
import { printableText as shown } from "../printable.js";
import { callerArn, endpoints, type IamCalls, iamCalls } from "./iam.js";

const NAME = "command-rotate";

/** The built-in `vsw rotate` command. */
export function rotateCommand(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.commands.tap(NAME, (commands) => [...commands, ROTATE]);
    },
  };
}

const ROTATE: PluginCommand = {
  name: "rotate",
  describe: "Replace a profile's stored access key with a new one",
  usage: "<profile>",
  help: [
    "Replace the long-lived access key PROFILE uses (its own, or its source_profile's) with a new one (aws-vault rotate).",
    "CreateAccessKey, wait until STS accepts the new key (IAM is eventually consistent), store it in place of the old one, then DeleteAccessKey of the old one, and drop the cached sessions of the profile.",
    "IAM is called with an MFA session when the profile has mfa_serial (GetSessionToken with MFA; AWS refuses IAM calls from a session without MFA), else with the stored key itself; --no-session always uses the stored key.",
    "Interrupted at any point, the keystore still holds a working key and IAM at most one key more; run vsw rotate PROFILE again and it finishes (or undoes) the interrupted rotation.",
    "The IAM endpoint is AWS_ENDPOINT_URL_IAM, else AWS_ENDPOINT_URL, else the profile's endpoint_url. VSW_ROTATE_WAIT bounds the wait for the new key (default 60s).",
  ].join("\n\n"),
  positionals: ["stored"],
  flags: {
    "--no-session": { describe: "Call IAM with the stored key itself, without an MFA session" },
    "--mfa-token": { describe: "MFA code (else asked on the terminal)", value: "free" },
  },
  examples: [
    ["vsw rotate base", "a new key for base's IAM user (MFA asked if base has mfa_serial)"],
    ["vsw rotate dev", "the same, for the key dev's source_profile uses"],
  ],
  run: (args, vsw) => runRotate(args, vsw),
};

/** The journal of a rotation in progress (`rotate/PROFILE`): holds a secret, so in the keystore. */
interface Journal {
  userName: string;
  oldKeyId: string;
  /** The user's keys before CreateAccessKey: a key not among them was made by this rotation. */
  keysBefore: string[];
  startedAt: number;
  /** The new key, once CreateAccessKey answered. */
  newKey?: { accessKeyId: string; secretAccessKey: string };
}

const journalItem = (profile: string) => `rotate/${profile}`;

async function runRotate(args: CommandArgs, vsw: Vsw): Promise<void> {
  const [profile, ...extra] = args.positionals;
  if (!profile || extra.length > 0) {
    throw new VswError("VSW_USAGE", "vsw rotate takes one profile.", {
      hint: "vsw rotate PROFILE [--no-session]",
    });
  }
  const plan = await vsw.plan(profile);
  const source = plan.steps[0];
  if (source.type !== "keys") {
    throw new VswError(
      "VSW_NOT_SUPPORTED",
      `Profile "${profile}" does not use stored long-lived keys, so it has no key to rotate.`,
      {
        hint: "vsw rotate replaces keys stored with vsw add; this profile's credentials come from elsewhere.",
      },
    );
  }
  const owner = source.profile;
  if (vsw.hooks.authorize.taps.length)
    await vsw.hooks.authorize.promise({ profile, plan, env: vsw.env, flags: {} });
  await vsw.lock(`${NAME}/${owner}`, () => rotate(vsw, args, plan, owner));
}

async function rotate(vsw: Vsw, args: CommandArgs, plan: Plan, owner: string): Promise<void> {
  const keystore = vsw.keystore();
  // Names come from the config and IAM's answers: escaped, so no control character reaches the terminal.
  const say = (line: string) => process.stderr.write(`vsw: ${shown(line)}\n`);
  const pause = testPause(vsw);
  const endpointUrl = (
    plan.steps.find((s) => "endpointUrl" in s && s.endpointUrl) as { endpointUrl?: string } | undefined
  )?.endpointUrl;
  const where = endpoints(vsw.env, endpointUrl);
  const stored = await storedKeys(keystore, owner);
  const caller = await iamCaller(vsw, plan, owner, stored, args.flags["no-session"] === true);
  const iam = await iamCalls(caller, where.iam, owner);
  try {
    const journal = await readJournal(keystore, owner);
    const userName = journal?.userName ?? (await iam.userName());
    const listed = await iam.listKeys(userName);
    const ids = listed.map((k) => k.accessKeyId);
    if (journal) {
      const finished = await resume(vsw, iam, journal, stored, ids, where.sts, owner, say);
      if (finished) {
        await keystore.delete(journalItem(owner));
        await dropSessions(keystore, owner, plan.profile);
        say(
          `finished the interrupted rotation of "${owner}": ${finished} is stored and is the user's only key.`,
        );
        process.stdout.write(
          `${shown(`Rotated the access key of "${owner}" (IAM user ${userName}): now ${finished}.`)}\n`,
        );
        return;
      }
      await keystore.delete(journalItem(owner));
      // The interrupted run changed nothing that lasts: list again and rotate from the start.
      listed.splice(0, listed.length, ...(await iam.listKeys(userName)));
    }
    const current = listed.map((k) => k.accessKeyId);
    if (!current.includes(stored.accessKeyId)) {
      throw new VswError(
        "VSW_ROTATE_FAILED",
        `The key stored for "${owner}" (${stored.accessKeyId}) is not one of IAM user ${userName}'s keys.`,
        {
          hint: `Check which keys the user has: aws iam list-access-keys --user-name ${userName}; store a working one with ${commandHint("vsw add", owner)}.`,
        },
      );
    }
    if (current.length >= 2) {
      const other = current.filter((id) => id !== stored.accessKeyId).join(", ");
      throw new VswError(
        "VSW_IAM_LIMIT_EXCEEDED",
        `IAM user ${userName} already has two access keys, the most IAM allows: ${stored.accessKeyId} (stored in vsw) and ${other}.`,
        {
          hint: `If nothing else uses ${other}, delete it: aws iam delete-access-key --user-name ${userName} --access-key-id ${other} (or in the IAM console: Users → ${userName} → Security credentials), then run ${commandHint("vsw rotate", owner)} again.`,
        },
      );
    }
    const fresh: Journal = {
      userName,
      oldKeyId: stored.accessKeyId,
      keysBefore: current,
      startedAt: vsw.now(),
    };
    await writeJournal(keystore, owner, fresh);
    await pause("intent");
    const created = await iam.createKey(userName);
    say(`created the new access key ${created.accessKeyId} for IAM user ${userName}.`);
    await pause("created");
    await writeJournal(keystore, owner, {
      ...fresh,
      newKey: { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey },
    });
    await pause("recorded");
    await finish(vsw, iam, { ...fresh, newKey: created }, where.sts, owner, say, pause);
    await keystore.delete(journalItem(owner));
    await dropSessions(keystore, owner, plan.profile);
    process.stdout.write(
      `${shown(`Rotated the access key of "${owner}" (IAM user ${userName}): ${stored.accessKeyId} → ${created.accessKeyId}.`)}\n`,
    );
  } finally {
    iam.destroy();
  }
}

/**
 * Carries an interrupted rotation on from its journal. Returns the key id that is now stored and
 * alone at IAM, or `undefined` when the interrupted run left nothing to keep (its new key, if IAM
 * made one, is deleted) and a rotation should start afresh.
 */
async function resume(
  vsw: Vsw,
  iam: IamCalls,
  journal: Journal,
  stored: StoredKeys,
  ids: string[],
  sts: string | undefined,
  owner: string,
  say: (line: string) => void,
): Promise<string | undefined> {
  const { newKey, userName } = journal;
  if (!newKey || !ids.includes(newKey.accessKeyId)) {
    // Killed before the new key's secret was journaled: a key IAM holds that was not there before
    // is that run's, and nobody has its secret. The stored key is still the old one.
    for (const id of ids) {
      if (journal.keysBefore.includes(id) || id === stored.accessKeyId) continue;
      if (await iam.deleteKey(userName, id))
        say(`deleted ${id}, the key an interrupted rotation created (its secret was never stored).`);
    }
    return undefined;
  }
  say(`finishing the interrupted rotation of "${owner}" (new key ${newKey.accessKeyId}).`);
  await finish(vsw, iam, journal, sts, owner, say, async () => {});
  return newKey.accessKeyId;
}

/** Waits until the new key works, stores it, then deletes the old one. Each step may already be done. */
async function finish(
  vsw: Vsw,
  iam: IamCalls,
  journal: Journal,
  sts: string | undefined,
  owner: string,
  say: (line: string) => void,
  pause: (point: string) => Promise<void>,
): Promise<void> {
  const keystore = vsw.keystore();
  const newKey = journal.newKey as { accessKeyId: string; secretAccessKey: string };
  const stored = await storedKeys(keystore, owner);
  if (stored.accessKeyId !== newKey.accessKeyId) {
    await waitUntilWorks(vsw, newKey, sts, journal.userName, say);
    await pause("working");
    const keys: StoredKeys = { ...newKey, addedAt: vsw.now() };
    await keystore.set(keysItem(owner), JSON.stringify(keys));
    say(`stored the new key ${newKey.accessKeyId} for "${owner}".`);
    await pause("stored");
  }
  if (journal.oldKeyId !== newKey.accessKeyId && (await iam.deleteKey(journal.userName, journal.oldKeyId))) {
    say(`deleted the old key ${journal.oldKeyId}.`);
  }
  await pause("deleted");
}

/**
 * GetCallerIdentity with the new key until STS accepts it (IAM is eventually consistent: AWS
 * says a new key may take a few seconds to work everywhere), backing off from 0.5 s to 5 s,
 * bounded by `VSW_ROTATE_WAIT` (default 60 s). The old key is still stored and active meanwhile.
 */
async function waitUntilWorks(
  vsw: Vsw,
  key: Credentials,
  sts: string | undefined,
  userName: string,
  say: (line: string) => void,
): Promise<void> {
  const limitSeconds = vsw.env.VSW_ROTATE_WAIT ? parseDuration(vsw.env.VSW_ROTATE_WAIT) : 60;
  const deadline = Date.now() + limitSeconds * 1000;
  let delay = 500;
  let told = false;
  for (;;) {
    const arn = await callerArn(key, sts);
    if (arn !== undefined) {
      if (!arn.endsWith(`:user/${userName}`)) {
        throw new VswError(
          "VSW_ROTATE_FAILED",
          `The new key ${key.accessKeyId} belongs to ${arn}, not to IAM user ${userName}.`,
          {
            hint: "Check the IAM and STS endpoints (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS): they must be the same account's.",
          },
        );
      }
      return;
    }
    if (Date.now() + delay > deadline) {
      throw new VswError(
        "VSW_ROTATE_FAILED",
        `The new access key ${key.accessKeyId} was not accepted by STS within ${formatDuration(limitSeconds)}; the old key is still stored and active.`,
        {
          hint: "Run vsw rotate again later to finish the rotation (it waits for the new key again), or raise VSW_ROTATE_WAIT.",
        },
      );
    }
    if (!told) {
      say(`waiting for the new key ${key.accessKeyId} to work (IAM takes a few seconds to propagate it)…`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

/**
 * The credentials IAM is called with: an MFA'd GetSessionToken session through the pipeline when
 * the profile has an MFA serial (cached, or minted with a code), else the stored keys themselves:
 * a session without MFA cannot call IAM at all.
 */
async function iamCaller(
  vsw: Vsw,
  plan: Plan,
  owner: string,
  stored: StoredKeys,
  noSession: boolean,
): Promise<Credentials> {
  const serial = plan.steps.map((s) => ("mfaSerial" in s ? s.mfaSerial : null)).find((s) => !!s);
  if (noSession || !serial)
    return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
  // The owner's own GetSessionToken step, with the serial its chain asks for (a role's serial too).
  return (await vsw.credentials(owner, { mfaSerial: serial })).credentials;
}

async function storedKeys(keystore: Keystore, owner: string): Promise<StoredKeys> {
  const text = await keystore.get(keysItem(owner));
  if (text === undefined) {
    throw new VswError(
      "VSW_KEYS_NOT_FOUND",
      `Profile "${owner}" has no long-lived keys in the "${keystore.name}" keystore.`,
      {
        hint: `Store them with: ${commandHint("vsw add", owner)}`,
      },
    );
  }
  return JSON.parse(text) as StoredKeys;
}

async function readJournal(keystore: Keystore, owner: string): Promise<Journal | undefined> {
  const text = await keystore.get(journalItem(owner));
  return text === undefined ? undefined : (JSON.parse(text) as Journal);
}

async function writeJournal(keystore: Keystore, owner: string, journal: Journal): Promise<void> {
  await keystore.set(journalItem(owner), JSON.stringify(journal));
}

/** Drops the cached sessions of the keys' profile and of the profile named (minted from the old key). */
async function dropSessions(keystore: Keystore, ...profiles: string[]): Promise<void> {
  for (const item of await keystore.list("session/")) {
    const parsed = parseItem(item.name);
    if (parsed.kind === "session" && profiles.includes(parsed.profile)) await keystore.delete(item.name);
  }
}

/**
 * Test-only: `VSW_TEST_ROTATE_PAUSE_MS` says on stderr when each step is done and waits that long,
 * so a test can kill the run at a known point. Unset: no line, no wait.
 */
function testPause(vsw: Vsw): (point: string) => Promise<void> {
  const ms = Number(vsw.env.VSW_TEST_ROTATE_PAUSE_MS ?? 0);
  if (!Number.isFinite(ms) || ms <= 0) return async () => {};
  return async (point) => {
    process.stderr.write(`vsw: test: rotate paused after "${point}"\n`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  };
}
