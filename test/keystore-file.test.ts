import assert from "node:assert/strict";
import { hkdfSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { isVswError } from "../src/core/errors.js";
import { createVsw } from "../src/core/vsw.js";
import { fileKeystore, openFileStore } from "../src/plugins/keystore/file.js";
import { hkdfSha256 } from "../src/plugins/keystore/file-crypto.js";
import { decodeName, encodeName } from "../src/plugins/keystore/file-names.js";
import {
  CHEAP_KDF,
  cheapStore,
  diskDir,
  fakeTerminal,
  PASSPHRASE,
  removeTempDirs,
  snapshot,
} from "./helpers/keystore-testkit.js";

after(removeTempDirs);

const code = (expected: string) => (error: unknown) => isVswError(error) && error.code === expected;

describe("file keystore: item keys", () => {
  test("HKDF-SHA256 from two HMACs is RFC 5869's (test case 1) and hkdfSync's", () => {
    const okm = hkdfSha256(
      Buffer.alloc(22, 0x0b),
      Buffer.from("000102030405060708090a0b0c", "hex"),
      Buffer.from("f0f1f2f3f4f5f6f7f8f9", "hex"),
    );
    // The first 32 bytes of the RFC's 42-byte OKM: one block.
    assert.equal(okm.toString("hex"), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.string({ maxLength: 40 }),
        (ikm, salt, info) => {
          const mine = hkdfSha256(Buffer.from(ikm), Buffer.from(salt), info);
          const theirs = Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
          assert.equal(mine.toString("hex"), theirs.toString("hex"));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("file keystore: items", () => {
  test("set, get, list and delete round-trip values and expiry times", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "AKIA-prod");
    await store.set("session/AssumeRole/prod/arn:aws:iam::1:mfa/me", "token", {
      expiresAt: 1_900_000_000_000,
    });
    assert.equal(await store.get("keys/prod"), "AKIA-prod");
    assert.equal(await store.get("session/AssumeRole/prod/arn:aws:iam::1:mfa/me"), "token");
    assert.equal(await store.get("keys/missing"), undefined);
    assert.deepEqual(await store.list(), [
      { name: "keys/prod" },
      { name: "session/AssumeRole/prod/arn:aws:iam::1:mfa/me", expiresAt: 1_900_000_000_000 },
    ]);
    assert.equal(await store.delete("keys/prod"), true);
    assert.equal(await store.delete("keys/prod"), false);
    assert.equal(await store.get("keys/prod"), undefined);
    assert.deepEqual(
      (await store.list()).map((item) => item.name),
      ["session/AssumeRole/prod/arn:aws:iam::1:mfa/me"],
    );
  });

  test("a second store object on the same directory reads what the first wrote", async () => {
    const first = cheapStore();
    await first.set("keys/dev", "value with ünïcødé and\nnewlines");
    const second = cheapStore({ dir: first.dir });
    assert.equal(await second.get("keys/dev"), "value with ünïcødé and\nnewlines");
  });

  test("overwriting an item replaces its value and its expiry", async () => {
    const store = cheapStore();
    await store.set("session/x", "old", { expiresAt: 1 });
    await store.set("session/x", "new");
    assert.equal(await store.get("session/x"), "new");
    assert.deepEqual(await store.list(), [{ name: "session/x" }]);
  });

  test("list with a prefix reports only the items whose names start with it", async () => {
    const store = cheapStore();
    await store.set("keys/a", "1");
    await store.set("keys/b", "2");
    await store.set("session/GetSessionToken/a/-", "3", { expiresAt: 1_900_000_000_000 });
    await store.set(`keys/${"x".repeat(300)}`, "4");
    assert.deepEqual(
      (await store.list("keys/")).map((item) => item.name),
      ["keys/a", "keys/b", `keys/${"x".repeat(300)}`],
    );
    assert.deepEqual(await store.list("session/"), [
      { name: "session/GetSessionToken/a/-", expiresAt: 1_900_000_000_000 },
    ]);
  });

  test("list reports names and expiry times without a passphrase", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret", { expiresAt: 42 });
    const locked = openFileStore({ dir: store.dir, env: {}, unlockTtlSeconds: 0 });
    assert.deepEqual(await locked.list(), [{ name: "keys/prod", expiresAt: 42 }]);
  });

  test("names of any characters, and very long names, round-trip through list and get", async () => {
    const store = cheapStore();
    const names = ["Prod", "prod", "a_b", "..", ".hidden", "ä/ö:ü*?", "x".repeat(300), "with space\ttab"];
    for (const name of names) await store.set(name, `value of ${name}`);
    for (const name of names) assert.equal(await store.get(name), `value of ${name}`);
    assert.deepEqual((await store.list()).map((item) => item.name).sort(), [...names].sort());
    for (const file of fs.readdirSync(store.dir)) assert.match(file, /^[a-z0-9_@.-]+$/);
  });

  test("an empty or malformed name is refused", async () => {
    const store = cheapStore();
    await assert.rejects(store.set("", "x"), code("VSW_USAGE"));
    await assert.rejects(store.get("bad\ud800"), code("VSW_USAGE"));
  });

  test("get and delete on a store that does not exist yet neither prompt nor create it", async () => {
    const dir = path.join(diskDir(), "nothing");
    const store = openFileStore({ dir, env: {}, unlockTtlSeconds: 0 });
    assert.equal(await store.get("keys/prod"), undefined);
    assert.equal(await store.delete("keys/prod"), false);
    assert.deepEqual(await store.list(), []);
    assert.equal(fs.existsSync(dir), false);
  });
});

describe("file keystore: item names on disk", () => {
  test("encoding is reversible and uses only portable lower-case file name characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 60 }), (name) => {
        const encoded = encodeName(name);
        assert.match(encoded, /^[a-z0-9_-]+$/);
        assert.equal(decodeName(encoded), name);
      }),
    );
  });

  test("a file name decodes only when it is the canonical encoding of a name (as the regex-checked decoder did)", () => {
    // The earlier decoder, kept as the reference: a pattern check, then a round trip.
    const reference = (encoded: string): string | undefined => {
      if (!/^(?:[a-z0-9-]|_[0-9a-f]{2})+$/.test(encoded)) return undefined;
      const bytes: number[] = [];
      for (let i = 0; i < encoded.length; i++) {
        if (encoded[i] === "_") {
          bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(encoded.charCodeAt(i));
      }
      const name = Buffer.from(bytes).toString("utf8");
      return encodeName(name) === encoded ? name : undefined;
    };
    const piece = fc.oneof(
      fc.constantFrom("a", "z", "0", "9", "-", "_", "A", "F", ".", "@", " ", "é"),
      fc.constantFrom(
        "_2f",
        "_61",
        "_2d",
        "_7f",
        "_00",
        "_c3_a9",
        "_c3",
        "_e2_80_ae",
        "_ff",
        "_2F",
        "_g1",
        "_1",
      ),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((parts) => parts.join("")),
        (encoded) => {
          assert.equal(decodeName(encoded), reference(encoded));
        },
      ),
      { numRuns: 3000 },
    );
    for (const encoded of ["", "x".repeat(200), "x".repeat(201), `${"_2f".repeat(67)}`, "_", "_2"]) {
      assert.equal(decodeName(encoded), reference(encoded), encoded);
    }
  });

  test("names differing only in case get different file names", () => {
    assert.notEqual(encodeName("Prod").toLowerCase(), encodeName("prod").toLowerCase());
  });
});

describe("file keystore: permissions", () => {
  test("the store directory is created 0700 and every file 0600", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret");
    assert.equal(fs.statSync(store.dir).mode & 0o777, 0o700);
    for (const file of fs.readdirSync(store.dir)) {
      assert.equal(fs.statSync(path.join(store.dir, file)).mode & 0o777, 0o600, file);
    }
  });

  test("a store directory with a looser mode is tightened to 0700", async () => {
    const dir = path.join(diskDir(), "loose");
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    await cheapStore({ dir }).set("keys/prod", "secret");
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  });
});

describe("file keystore: passphrase", () => {
  test("a wrong passphrase is refused with VSW_KEYSTORE_BAD_PASSPHRASE and changes no file", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret");
    await store.set("keys/dev", "other");
    const before = snapshot(store.dir);
    const wrong = cheapStore({ dir: store.dir, passphrase: "wrong horse" });
    await assert.rejects(wrong.open(), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    await assert.rejects(wrong.get("keys/prod"), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    await assert.rejects(wrong.set("keys/prod", "overwritten"), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    await assert.rejects(wrong.set("keys/new", "x"), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    await assert.rejects(wrong.delete("keys/dev"), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
    assert.deepEqual(snapshot(store.dir), before);
  });

  test("the bad-passphrase error carries neither passphrase", async () => {
    const store = cheapStore();
    await store.open();
    const error = await cheapStore({ dir: store.dir, passphrase: "wrong horse" })
      .open()
      .catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_KEYSTORE_BAD_PASSPHRASE"));
    const text = `${error.message} ${error.hint ?? ""}`;
    assert.ok(!text.includes("wrong horse") && !text.includes(PASSPHRASE));
  });

  test("VSW_FILE_PASSPHRASE from the handed-in environment unlocks the store", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret");
    const viaEnv = openFileStore({
      dir: store.dir,
      env: { VSW_FILE_PASSPHRASE: PASSPHRASE },
      unlockTtlSeconds: 0,
    });
    assert.equal(await viaEnv.get("keys/prod"), "secret");
  });

  test("without a passphrase and without a terminal, open fails with VSW_NO_TTY naming VSW_FILE_PASSPHRASE", async () => {
    const store = cheapStore();
    await store.open();
    const error = await openFileStore({ dir: store.dir, env: {}, unlockTtlSeconds: 0 })
      .open()
      .catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_NO_TTY"));
    assert.match(error.hint ?? "", /VSW_FILE_PASSPHRASE/);
  });

  test("creating a store at the prompt asks twice, repeats on a mismatch, and never writes to stdout", async (t) => {
    const stdout = t.mock.method(process.stdout, "write");
    const fake = fakeTerminal(["first", "typo", "chosen one", "chosen one"]);
    const dir = path.join(diskDir(), "store");
    const store = openFileStore({
      dir,
      env: {},
      terminal: fake.terminal,
      kdf: CHEAP_KDF,
      unlockTtlSeconds: 0,
    });
    await store.set("keys/prod", "secret");
    // The test runner itself reports on stdout; none of that may be prompt text.
    const written = stdout.mock.calls.map((call) => String(call.arguments[0])).join("");
    assert.doesNotMatch(written, /New passphrase for|Repeat the passphrase|chosen one/);
    assert.match(fake.transcript(), /New passphrase.*Repeat.*do not match.*New passphrase.*Repeat/s);
    assert.deepEqual(fake.counts(), { opened: 1, closed: 1 });
    assert.deepEqual(fake.rawModes, [true, false, true, false, true, false, true, false]);
    assert.equal(await cheapStore({ dir, passphrase: "chosen one" }).get("keys/prod"), "secret");
  });

  test("an existing store at the prompt allows a retry after a wrong passphrase", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret");
    const fake = fakeTerminal(["nope", PASSPHRASE]);
    const prompted = openFileStore({ dir: store.dir, env: {}, terminal: fake.terminal, unlockTtlSeconds: 0 });
    assert.equal(await prompted.get("keys/prod"), "secret");
    assert.match(fake.transcript(), /Wrong passphrase, try again/);
  });

  test("three wrong passphrases at the prompt give VSW_KEYSTORE_BAD_PASSPHRASE", async () => {
    const store = cheapStore();
    await store.open();
    const fake = fakeTerminal(["a", "b", "c"]);
    const prompted = openFileStore({ dir: store.dir, env: {}, terminal: fake.terminal, unlockTtlSeconds: 0 });
    await assert.rejects(prompted.open(), code("VSW_KEYSTORE_BAD_PASSPHRASE"));
  });

  test("Ctrl-C at the prompt cancels with VSW_CANCELLED and restores the terminal mode", async () => {
    const store = cheapStore();
    await store.open();
    const fake = fakeTerminal(["partial\u0003"]);
    const prompted = openFileStore({ dir: store.dir, env: {}, terminal: fake.terminal, unlockTtlSeconds: 0 });
    await assert.rejects(prompted.open(), code("VSW_CANCELLED"));
    assert.deepEqual(fake.rawModes, [true, false]);
  });

  test("backspace and Ctrl-U edit the typed passphrase", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "secret");
    const typed = `garbage\u0015${PASSPHRASE}x\u007f`;
    const fake = fakeTerminal([typed]);
    const prompted = openFileStore({ dir: store.dir, env: {}, terminal: fake.terminal, unlockTtlSeconds: 0 });
    assert.equal(await prompted.get("keys/prod"), "secret");
  });
});

describe("file keystore: tampering and corruption", () => {
  test("a corrupted item names itself while other items stay readable and list still works", async () => {
    const store = cheapStore();
    await store.set("keys/a", "value-a");
    await store.set("keys/b", "value-b");
    await store.set("keys/c", "value-c");
    const fileB = path.join(store.dir, `${encodeName("keys/b")}.item`);
    fs.writeFileSync(fileB, "{ not json");
    const error = await store.get("keys/b").catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_KEYSTORE_CORRUPT"));
    assert.match(error.message, /"keys\/b"/);
    assert.equal(await store.get("keys/a"), "value-a");
    assert.equal(await store.get("keys/c"), "value-c");
    assert.deepEqual(
      (await store.list()).map((item) => item.name),
      ["keys/a", "keys/b", "keys/c"],
    );
  });

  test("a flipped ciphertext bit fails authentication without revealing the content", async () => {
    const store = cheapStore();
    await store.set("keys/a", "value-a");
    const file = path.join(store.dir, `${encodeName("keys/a")}.item`);
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as { data: string };
    const bytes = Buffer.from(record.data, "base64");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    fs.writeFileSync(file, JSON.stringify({ ...record, data: bytes.toString("base64") }));
    const error = await store.get("keys/a").catch((caught: unknown) => caught);
    assert.ok(isVswError(error, "VSW_KEYSTORE_CORRUPT"));
    assert.ok(!`${error.message}${error.hint}`.includes("value"));
  });

  test("an item file renamed to another item's name fails authentication", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "prod-secret");
    const from = path.join(store.dir, `${encodeName("keys/prod")}.item`);
    fs.renameSync(from, path.join(store.dir, `${encodeName("keys/staging")}.item`));
    await assert.rejects(store.get("keys/staging"), code("VSW_KEYSTORE_CORRUPT"));
  });

  test("an item file copied over another item fails authentication", async () => {
    const store = cheapStore();
    await store.set("keys/prod", "prod-secret");
    await store.set("keys/dev", "dev-secret");
    const file = (name: string) => path.join(store.dir, `${encodeName(name)}.item`);
    fs.copyFileSync(file("keys/prod"), file("keys/dev"));
    await assert.rejects(store.get("keys/dev"), code("VSW_KEYSTORE_CORRUPT"));
  });

  test("an edited clear expiry fails authentication", async () => {
    const store = cheapStore();
    await store.set("session/s", "token", { expiresAt: 1000 });
    const file = path.join(store.dir, `${encodeName("session/s")}.item`);
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...record, expiresAt: 9_999_999_999_999 }));
    await assert.rejects(store.get("session/s"), code("VSW_KEYSTORE_CORRUPT"));
  });

  test("a corrupt metadata file is reported as VSW_KEYSTORE_CORRUPT", async () => {
    const store = cheapStore();
    await store.open();
    fs.writeFileSync(path.join(store.dir, "store.json"), "{}");
    await assert.rejects(cheapStore({ dir: store.dir }).open(), code("VSW_KEYSTORE_CORRUPT"));
  });

  test("scrypt parameters beyond 1 GiB or 16 times the default work are refused before any derivation", async () => {
    const store = cheapStore();
    await store.open();
    const file = path.join(store.dir, "store.json");
    const meta = JSON.parse(fs.readFileSync(file, "utf8")) as { kdf: Record<string, unknown> };
    for (const cost of [
      { N: 2 ** 22, r: 32, p: 1 },
      { N: 2 ** 17, r: 8, p: 16 * 2 },
      { N: 2 ** 40, r: 8, p: 1 },
    ]) {
      fs.writeFileSync(file, JSON.stringify({ ...meta, kdf: { ...meta.kdf, ...cost } }));
      let derived = 0;
      await assert.rejects(
        cheapStore({ dir: store.dir, onKdf: () => derived++ }).open(),
        (error: unknown) =>
          isVswError(error, "VSW_KEYSTORE_CORRUPT") && /beyond vsw's limit/.test(error.message),
      );
      assert.equal(derived, 0);
    }
  });

  test("temp files of a killed writer are ignored, and removed once older than a minute", async () => {
    const store = cheapStore();
    await store.set("keys/a", "value-a");
    const fresh = path.join(store.dir, ".tmp-fresh");
    const old = path.join(store.dir, ".tmp-old");
    fs.writeFileSync(fresh, "partial");
    fs.writeFileSync(old, "partial");
    const longAgo = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(old, longAgo, longAgo);
    assert.deepEqual(await store.list(), [{ name: "keys/a" }]);
    await store.set("keys/b", "value-b");
    assert.equal(fs.existsSync(old), false);
    assert.equal(fs.existsSync(fresh), true);
  });
});

describe("file keystore: plugin", () => {
  test("the plugin answers the keystore hook for the name file only", () => {
    const root = diskDir();
    const vsw = createVsw({ env: { HOME: root } }).use(fileKeystore({ kdf: CHEAP_KDF }));
    assert.equal(vsw.hooks.keystore.call({ name: "keychain" }), undefined);
    const keystore = vsw.keystore();
    assert.equal(keystore.name, "file");
    assert.equal(vsw.hooks.keystore.call({ name: "file" })?.name, "file");
    assert.equal(vsw.keystore(), keystore, "asked once, then remembered");
    assert.deepEqual(vsw.plugins, ["keystore-file"]);
  });

  test("the store directory is VSW_FILE_DIR, else $XDG_DATA_HOME/vsw, else $HOME/.local/share/vsw", () => {
    const root = diskDir();
    const dirFor = (env: Record<string, string>) => {
      const vsw = createVsw({ env }).use(fileKeystore());
      return (vsw.keystore() as unknown as { dir: string }).dir;
    };
    assert.equal(dirFor({ HOME: root }), path.join(root, ".local/share/vsw"));
    assert.equal(dirFor({ HOME: root, XDG_DATA_HOME: `${root}/data` }), path.join(root, "data/vsw"));
    assert.equal(dirFor({ HOME: root, XDG_DATA_HOME: "relative" }), path.join(root, ".local/share/vsw"));
    assert.equal(
      dirFor({ HOME: root, XDG_DATA_HOME: `${root}/data`, VSW_FILE_DIR: `${root}/own` }),
      `${root}/own`,
    );
  });

  test("the plugin reads the passphrase and directory from vsw.env", async () => {
    const root = diskDir();
    const env = { HOME: root, VSW_FILE_PASSPHRASE: PASSPHRASE, VSW_FILE_UNLOCK_TTL: "0" };
    const vsw = createVsw({ env }).use(fileKeystore({ kdf: CHEAP_KDF }));
    await vsw.keystore().set("keys/prod", "secret");
    assert.equal(fs.existsSync(path.join(root, ".local/share/vsw/store.json")), true);
  });

  test("without HOME or VSW_FILE_DIR the keystore is unavailable", () => {
    const vsw = createVsw({ env: {} }).use(fileKeystore());
    assert.throws(() => vsw.keystore(), code("VSW_KEYSTORE_UNAVAILABLE"));
  });

  test("an invalid VSW_FILE_UNLOCK_TTL is a configuration error", () => {
    assert.throws(
      () => openFileStore({ dir: diskDir(), env: { VSW_FILE_UNLOCK_TTL: "8h" } }),
      code("VSW_CONFIG_INVALID"),
    );
  });
});
