import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import {
  base32Decode,
  base32Encode,
  hotp,
  type OtpAlgorithm,
  totp,
  verifyTotp,
} from "../../src/sandbox/totp.js";
import { RFC6238_SEEDS, RFC6238_VECTORS } from "../helpers/rfc6238.js";
import { requireTool, run } from "./helpers.js";

const OATHTOOL = "/usr/bin/oathtool";

describe("base32", () => {
  // RFC 4648 §10 test vectors.
  const vectors: Array<[string, string]> = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];

  test("decodes the RFC 4648 vectors, with or without padding", () => {
    for (const [plain, encoded] of vectors) {
      assert.equal(base32Decode(encoded).toString(), plain);
      assert.equal(base32Decode(encoded.padEnd(Math.ceil(encoded.length / 8) * 8, "=")).toString(), plain);
    }
  });

  test("encodes the RFC 4648 vectors without padding", () => {
    for (const [plain, encoded] of vectors) assert.equal(base32Encode(Buffer.from(plain)), encoded);
  });

  test("decodes lower case and ignores the spaces authenticator apps show seeds with", () => {
    assert.deepEqual(base32Decode("mzxw 6ytb oi"), Buffer.from("foobar"));
  });

  test("round-trips random bytes", () => {
    for (let length = 1; length <= 40; length++) {
      const bytes = randomBytes(length);
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
  });

  test("rejects characters outside the alphabet", () => {
    assert.throws(() => base32Decode("MZXW1"), TypeError);
  });
});

describe("HOTP and TOTP", () => {
  const ascii = (text: string) => base32Encode(Buffer.from(text));

  test("HOTP matches the RFC 4226 appendix D values", () => {
    const expected = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ];
    const key = Buffer.from("12345678901234567890");
    assert.deepEqual(
      expected.map((_, counter) => hotp(key, counter)),
      expected,
    );
  });

  test("TOTP matches the RFC 6238 appendix B values for SHA-1, SHA-256 and SHA-512", () => {
    const seeds: Record<OtpAlgorithm, string> = {
      sha1: RFC6238_SEEDS.SHA1,
      sha256: RFC6238_SEEDS.SHA256,
      sha512: RFC6238_SEEDS.SHA512,
    };
    for (const [time, sha1, sha256, sha512] of RFC6238_VECTORS) {
      assert.equal(totp(seeds.sha1, time, { digits: 8, algorithm: "sha1" }), sha1);
      assert.equal(totp(seeds.sha256, time, { digits: 8, algorithm: "sha256" }), sha256);
      assert.equal(totp(seeds.sha512, time, { digits: 8, algorithm: "sha512" }), sha512);
    }
  });

  test("TOTP keeps leading zeros and defaults to 6 digits and 30-second steps", () => {
    assert.equal(totp(ascii("12345678901234567890"), 1111111109), "081804");
    assert.equal(totp(ascii("12345678901234567890"), 1111111109 - (1111111109 % 30)), "081804");
  });

  test("HOTP refuses fewer than 6 digits", () => {
    assert.throws(() => hotp(Buffer.from("k"), 0, 5), RangeError);
  });

  test("verification accepts the previous, current and next step and names the step that matched", () => {
    const seed = base32Encode(randomBytes(20));
    const now = 1_800_000_015;
    const step = Math.floor(now / 30);
    for (const delta of [-1, 0, 1]) {
      assert.equal(verifyTotp(seed, totp(seed, now + delta * 30), now), step + delta);
    }
  });

  test("verification rejects a code two steps away and malformed codes", () => {
    const seed = base32Encode(randomBytes(20));
    const now = 1_800_000_015;
    assert.equal(verifyTotp(seed, totp(seed, now - 60), now, { window: 1 }), undefined);
    assert.equal(verifyTotp(seed, totp(seed, now + 60), now, { window: 1 }), undefined);
    assert.equal(verifyTotp(seed, "12345", now), undefined);
    assert.equal(verifyTotp(seed, "12345a", now), undefined);
  });
});

describe("agreement with oathtool", () => {
  test("codes equal oathtool's for random seeds at fixed times", async (t) => {
    if (!requireTool(t, existsSync(OATHTOOL), `oathtool (${OATHTOOL})`)) return;
    const times = [0, 59, 1111111109, 1700000000, 1893456000];
    for (let i = 0; i < 5; i++) {
      const seed = base32Encode(randomBytes(20));
      for (const time of times) {
        const now = new Date(time * 1000)
          .toISOString()
          .replace("T", " ")
          .replace(/\.\d+Z$/, " UTC");
        const { stdout } = await run(OATHTOOL, ["--totp", "-b", "--now", now, seed]);
        assert.equal(totp(seed, time), stdout.trim(), `seed ${i} at ${time}`);
      }
    }
  });

  test("SHA-256 codes with 8 digits equal oathtool's", async (t) => {
    if (!requireTool(t, existsSync(OATHTOOL), `oathtool (${OATHTOOL})`)) return;
    const seed = base32Encode(randomBytes(32));
    const { stdout } = await run(OATHTOOL, [
      "--totp=sha256",
      "-d",
      "8",
      "-b",
      "--now",
      "2030-01-01 00:00:00 UTC",
      seed,
    ]);
    assert.equal(totp(seed, Date.UTC(2030, 0, 1) / 1000, { digits: 8, algorithm: "sha256" }), stdout.trim());
  });

  test("the current code is one oathtool accepts within a step of now", async (t) => {
    if (!requireTool(t, existsSync(OATHTOOL), `oathtool (${OATHTOOL})`)) return;
    const seed = base32Encode(randomBytes(20));
    // `-w 1` prints the codes of this step and the next: ours must be among them unless the
    // step changed in between, which `-w` covers too.
    const { stdout } = await run(OATHTOOL, ["--totp", "-b", "-w", "1", seed]);
    const now = Date.now() / 1000;
    const candidates = new Set([totp(seed, now), totp(seed, now - 30)]);
    assert.ok(
      stdout
        .trim()
        .split("\n")
        .some((code) => candidates.has(code)),
    );
  });
});
