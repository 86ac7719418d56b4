// @ts-check
/**
 * A vsw MFA source: the one-time code for an MFA device comes from its TOTP seed (RFC 6238), kept
 * in vsw's keystore like the keys themselves, so no phone is needed for the 12th role of the day.
 *
 *   vsw totp-seed arn:aws:iam::111111111111:mfa/me < seed.txt   # once: the base32 seed AWS showed
 *   vsw dev                                                      # codes come from the seed
 *
 * Security: the seed is a second factor turned into a first one; keep it only in a keystore you
 * would keep the keys in. It is read from stdin, never argv (where `ps` shows it), and never printed.
 */
import { createHmac } from "node:crypto";
import { definePlugin, STAGE_DEFAULT, VswError } from "vsw/plugin";

const NAME = "mfa-totp-example";

/** Code length and time step AWS virtual MFA devices use. */
const DIGITS = 6;
const STEP_SECONDS = 30;

/**
 * @typedef {object} TotpOptions
 * @property {string} [prefix] Keystore item prefix of the seeds (default `totp/`); the `[plugin NAME]`
 *   section of the vsw config may set it.
 */

export default definePlugin((/** @type {TotpOptions | undefined} */ options) => {
  const prefix = options?.prefix ?? "totp/";
  return {
    name: NAME,
    version: "1.0.0",
    apiVersion: "^1.0.0",
    apply(vsw) {
      // STAGE_DEFAULT: after a code given with --mfa-token, before the TTY prompt.
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (request) => {
        const keystore = vsw.keystore();
        const stored = await keystore.get(prefix + request.serial);
        if (stored === undefined) return undefined; // Not a device of ours: the next source asks.
        const record = parseRecord(stored, request.serial);
        // AWS accepts a code once: never hand out a time step already used, take the next one
        // (AWS accepts one step of drift) or wait for it.
        let step = Math.floor(vsw.now() / 1000 / STEP_SECONDS);
        if (step <= record.lastStep) step = record.lastStep + 1;
        const wait = step * STEP_SECONDS * 1000 - STEP_SECONDS * 1000 - vsw.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await keystore.set(prefix + request.serial, JSON.stringify({ ...record, lastStep: step }));
        return totp(record.seed, step);
      });

      vsw.hooks.commands.tap(NAME, (commands) => [
        ...commands,
        {
          name: "totp-seed",
          describe: "Store the TOTP seed of an MFA device (base32, read from stdin)",
          positionals: ["free"],
          flags: {},
          async run(args, core) {
            const serial = args.positionals[0];
            if (!serial) {
              throw new VswError("VSW_USAGE", "totp-seed needs the MFA device's serial (its ARN).", {
                hint: "vsw totp-seed arn:aws:iam::111111111111:mfa/me < seed.txt",
              });
            }
            const seed = (await readStdin())
              .trim()
              .replace(/[\s=-]/g, "")
              .toUpperCase();
            if (!/^[A-Z2-7]{16,}$/.test(seed)) {
              throw new VswError(
                "TOTP_SEED_INVALID",
                `The seed for "${serial}" on stdin is not a base32 TOTP seed of at least 16 characters.`,
                { hint: "Paste the secret AWS showed as text when you set up the virtual MFA device." },
              );
            }
            await core.keystore().set(prefix + serial, JSON.stringify({ seed, lastStep: 0 }));
            process.stderr.write(`vsw: stored the TOTP seed of "${serial}".\n`);
          },
        },
      ]);
    },
  };
});

/**
 * @param {string} text
 * @param {string} serial
 * @returns {{ seed: string, lastStep: number }}
 */
function parseRecord(text, serial) {
  try {
    const record = JSON.parse(text);
    if (typeof record.seed === "string" && typeof record.lastStep === "number") return record;
  } catch {
    // Reported below.
  }
  throw new VswError("TOTP_SEED_CORRUPT", `The stored TOTP seed of "${serial}" cannot be read.`, {
    hint: `Store it again: vsw totp-seed ${serial} < seed.txt`,
  });
}

/**
 * The RFC 6238 code of `seed` (base32) for time step `step`: HMAC-SHA1, dynamic truncation (RFC 4226).
 * @param {string} seed
 * @param {number} step
 */
function totp(seed, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(seed)).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
}

/** @param {string} text RFC 4648 base32, upper case, no padding */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    buffer = ((buffer << 5) | alphabet.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** @returns {Promise<string>} */
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
