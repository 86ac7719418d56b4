/**
 * `vsw import credentials-file` and `vsw import aws-vault`, through the built vsw: the credentials
 * file left byte for byte as it was minus the moved keys, backups, idempotency, conflicts, a kill -9
 * mid-import, aws-vault's file store made with its documented format, and the imported keys used
 * against the STS emulator.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CompactEncrypt } from "jose";
import { dropLines, emptiedHeaders, planCredentialsFile } from "../src/cli/import-credentials-plan.js";
import { openFileStore } from "../src/plugins/keystore/file.js";
import {
  closeWorld,
  type Home,
  MFA_SERIAL,
  makeHome,
  PASSPHRASE,
  ROOT,
  requireTool,
  runVsw,
  VSW,
  type World,
  worldWithHome,
} from "./helpers/harness.js";
import { startTmux } from "./shell-support.js";

const FIXTURES = join(ROOT, "test", "fixtures", "import");
const INPUT = readFileSync(join(FIXTURES, "credentials"));
const EXPECTED = readFileSync(join(FIXTURES, "credentials.expected"));
/** Profile → [access key id, secret] of the fixture's long-lived pairs. */
const KEYS = JSON.parse(readFileSync(join(FIXTURES, "keys.json"), "utf8")) as Record<
  string,
  [string, string]
>;
const TEMP_SECRET = "TempSecretTempSecretTempSecretTempSecret";

/** A HOME whose credentials file is the fixture (mode `mode`), keystore `file`. */
function fixtureHome(mode = 0o600): Home & { credentials: string } {
  const home = makeHome({ VSW_KEYSTORE: "file" });
  const credentials = home.env.AWS_SHARED_CREDENTIALS_FILE as string;
  writeFileSync(credentials, INPUT);
  chmodSync(credentials, mode);
  return Object.assign(home, { credentials });
}

/** The keys stored for `profile`, read through vsw itself (no STS: --no-session). */
async function storedKeys(home: Home, profile: string): Promise<[string, string] | undefined> {
  const r = await runVsw(["export", profile, "--no-session", "--format", "json"], { env: home.env });
  if (r.code !== 0) return undefined;
  const doc = JSON.parse(r.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  return [doc.AccessKeyId, doc.SecretAccessKey];
}

/** Every file under `dir` whose bytes hold `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle);
  const hits: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = join(entry.parentPath, entry.name);
    if (entry.isFile() && readFileSync(file).includes(bytes)) hits.push(file);
  }
  return hits;
}

describe("vsw import credentials-file", () => {
  test("moves every long-lived pair and leaves every other byte of the file as it was", async () => {
    const home = fixtureHome(0o640);
    try {
      const r = await runVsw(["import", "credentials-file"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readFileSync(home.credentials), EXPECTED);
      assert.equal(statSync(home.credentials).mode & 0o777, 0o640, "the file keeps its mode");
      assert.match(
        r.stdout,
        /Moved the keys of "default", "base", "zoë ünïcode 東京" and "only-keys" into the file keystore; removed them from ~\/\.aws\/credentials\./,
      );
      assert.match(r.stdout, /Skipped "tmp": it holds temporary credentials \(aws_session_token\)/);
      for (const [profile, pair] of Object.entries(KEYS)) {
        assert.deepEqual(await storedKeys(home, profile), pair, profile);
        assert.equal(r.stdout.includes(pair[1]), false, "no secret in the report");
      }
      assert.equal(await storedKeys(home, "tmp"), undefined, "temporary credentials are not stored");
      assert.deepEqual(filesHolding(home.dir, TEMP_SECRET), [home.credentials], "they stay in the file");
      const left = readdirSync(join(home.dir, ".aws")).filter((f) => f !== "config" && f !== "credentials");
      assert.deepEqual(left, [], "no backup or temp file without --keep");
      for (const [, secret] of Object.values(KEYS)) {
        assert.deepEqual(filesHolding(home.dir, secret), [], "no moved secret left in plain text in HOME");
      }
    } finally {
      home.cleanup();
    }
  });

  test("a second run moves nothing, says so, and leaves the file alone", async () => {
    const home = fixtureHome();
    try {
      assert.equal((await runVsw(["import", "credentials-file"], { env: home.env })).code, 0);
      const again = await runVsw(["import", "credentials-file"], { env: home.env });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /No long-lived keys in ~\/\.aws\/credentials: nothing to move\./);
      assert.deepEqual(readFileSync(home.credentials), EXPECTED);
      const one = await runVsw(["import", "credentials-file", "--profile", "base"], { env: home.env });
      assert.equal(one.code, 0, one.stderr);
      assert.match(
        one.stdout,
        /No keys of "base" in ~\/\.aws\/credentials: nothing to move \(the keystore holds its keys\)/,
      );
    } finally {
      home.cleanup();
    }
  });

  test("--keep writes a 0600 backup of the original bytes first and names it", async () => {
    const home = fixtureHome(0o644);
    try {
      const r = await runVsw(["import", "credentials-file", "--keep"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      const backups = readdirSync(join(home.dir, ".aws")).filter((f) =>
        f.startsWith("credentials.vsw-backup-"),
      );
      assert.equal(backups.length, 1);
      const backup = join(home.dir, ".aws", backups[0] as string);
      assert.equal(statSync(backup).mode & 0o777, 0o600);
      assert.deepEqual(readFileSync(backup), INPUT);
      assert.ok(
        r.stdout.includes(`~/.aws/${backups[0]} (mode 0600): it holds the keys in plain text`),
        r.stdout,
      );
      assert.deepEqual(readFileSync(home.credentials), EXPECTED);
      assert.equal(statSync(home.credentials).mode & 0o777, 0o644);
      // The user asked for that copy: it is the only file outside the keystore holding a moved secret.
      assert.deepEqual(filesHolding(home.dir, KEYS.base?.[1] as string), [backup]);
    } finally {
      home.cleanup();
    }
  });

  test("--profile moves that profile's pair only", async () => {
    const home = fixtureHome();
    try {
      const r = await runVsw(["import", "credentials-file", "--profile", "base"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Moved the keys of "base" into the file keystore/);
      const lines = INPUT.toString("utf8").split("\n");
      const expected = lines.filter((_, i) => i !== 9 && i !== 10).join("\n");
      assert.equal(readFileSync(home.credentials, "utf8"), expected);
      assert.deepEqual(await storedKeys(home, "base"), KEYS.base);
      assert.equal(await storedKeys(home, "default"), undefined);
      const unknown = await runVsw(["import", "credentials-file", "--profile", "nope"], { env: home.env });
      assert.equal(unknown.code, 1);
      assert.match(
        unknown.stderr,
        /Profile "nope" has no keys in ~\/\.aws\/credentials\. \(VSW_PROFILE_NOT_FOUND\)/,
      );
    } finally {
      home.cleanup();
    }
  });

  test("different keys already stored are never replaced: that pair stays in the file, the others move", async () => {
    const home = fixtureHome();
    try {
      const other = { AWS_ACCESS_KEY_ID: "AKIAOTHER00000000000", AWS_SECRET_ACCESS_KEY: "o".repeat(40) };
      assert.equal((await runVsw(["add", "base", "--env"], { env: { ...home.env, ...other } })).code, 0);
      const same = { AWS_ACCESS_KEY_ID: KEYS.default?.[0], AWS_SECRET_ACCESS_KEY: KEYS.default?.[1] };
      assert.equal((await runVsw(["add", "default", "--env"], { env: { ...home.env, ...same } })).code, 0);
      const r = await runVsw(["import", "credentials-file"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Profile "base" already has different keys in the file keystore; its keys in ~\/\.aws\/credentials were left where they are\. \(VSW_KEYS_EXIST\)/,
      );
      assert.match(r.stdout, /The keys of "default" were already in the file keystore; removed them from/);
      assert.deepEqual(await storedKeys(home, "base"), [
        other.AWS_ACCESS_KEY_ID,
        other.AWS_SECRET_ACCESS_KEY,
      ]);
      const text = readFileSync(home.credentials, "utf8");
      assert.ok(text.includes(KEYS.base?.[1] as string), "base's pair is still in the file");
      assert.equal(text.includes(KEYS.default?.[1] as string), false);
      assert.equal(text.includes(KEYS["only-keys"]?.[1] as string), false);
    } finally {
      home.cleanup();
    }
  });

  test("a kill -9 at any moment loses no key: each pair is in the file, the keystore or both", async (t) => {
    // Many profiles, so the keystore phase lasts long enough for kills to land inside it.
    const profiles = Array.from({ length: 24 }, (_, i) => ({
      name: `p${i}`,
      id: `AKIAKILL${String(i).padStart(12, "0")}`,
      secret: `Kill${String(i).padStart(2, "0")}`.padEnd(40, "k"),
    }));
    const input = `# kill test\n${profiles.map((p) => `[${p.name}]\nregion = eu-west-1\naws_access_key_id = ${p.id}\naws_secret_access_key = ${p.secret}\n`).join("\n")}`;
    const final = `# kill test\n${profiles.map((p) => `[${p.name}]\nregion = eu-west-1\n`).join("\n")}`;
    const template = makeHome({ VSW_KEYSTORE: "file" });
    const homes: Home[] = [template];
    try {
      // A keystore made once (its scrypt is slow), copied into each round's HOME.
      const seed = { AWS_ACCESS_KEY_ID: "AKIASEED000000000000", AWS_SECRET_ACCESS_KEY: "s".repeat(40) };
      assert.equal((await runVsw(["add", "seed", "--env"], { env: { ...template.env, ...seed } })).code, 0);
      const fresh = () => {
        const home = makeHome({ VSW_KEYSTORE: "file" });
        homes.push(home);
        cpSync(join(template.dir, ".local"), join(home.dir, ".local"), { recursive: true });
        writeFileSync(home.env.AWS_SHARED_CREDENTIALS_FILE as string, input);
        return home;
      };
      const states = new Map<string, number>();
      // Where each kill lands: once `stored` new items are in the store (the seed is one), then
      // `extra` ms later; the last rounds also land between the last read-back and the rename, and
      // during the rename. A round whose process finished first counts as "file rewritten".
      const rounds: [stored: number, extra: number][] = [
        [0, 0],
        [1, 0],
        [3, 0],
        [6, 1],
        [10, 0],
        [14, 2],
        [18, 0],
        [22, 1],
        [24, 0],
        [24, 1],
        [24, 3],
        [24, 6],
        [24, 12],
      ];
      for (const [round, [stored, extra]] of rounds.entries()) {
        const home = fresh();
        const storeDir = join(home.dir, ".local", "share", "vsw");
        const items = () =>
          readdirSync(storeDir).filter((f) => f.endsWith(".item") && !f.startsWith(".")).length;
        const child = spawn(process.execPath, [VSW, "import", "credentials-file"], {
          env: home.env,
          stdio: "ignore",
        });
        const closed = new Promise((done) => child.on("close", done));
        while (child.exitCode === null && items() < 1 + stored)
          await new Promise((next) => setImmediate(next));
        if (extra > 0) await new Promise((next) => setTimeout(next, extra));
        child.kill("SIGKILL");
        await closed;
        const text = readFileSync(home.env.AWS_SHARED_CREDENTIALS_FILE as string, "utf8");
        assert.ok(text === input || text === final, `the file is whole (round ${round})`);
        const store = openFileStore({
          dir: join(home.dir, ".local", "share", "vsw"),
          passphrase: PASSPHRASE,
          env: {},
          unlockTtlSeconds: 0,
        });
        let inStore = 0;
        for (const p of profiles) {
          const value = await store.get(`keys/${p.name}`);
          const stored = value !== undefined && JSON.parse(value).secretAccessKey === p.secret;
          if (stored) inStore++;
          assert.ok(stored || text.includes(p.secret), `round ${round}: ${p.name} is nowhere`);
        }
        const state = text === final ? "file rewritten" : inStore === 0 ? "nothing stored yet" : "in both";
        states.set(state, (states.get(state) ?? 0) + 1);
        // The import finishes the job on the next run.
        const again = await runVsw(["import", "credentials-file"], { env: home.env });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(readFileSync(home.env.AWS_SHARED_CREDENTIALS_FILE as string, "utf8"), final);
        const dotfiles = readdirSync(join(home.dir, ".aws")).filter((f) => f.startsWith("."));
        assert.deepEqual(dotfiles, [], "no temp file left after the next run");
      }
      t.diagnostic(`states seen after a kill: ${JSON.stringify(Object.fromEntries(states))}`);
      assert.ok(states.has("in both"), "some kills landed between the keystore writes and the rewrite");
    } finally {
      for (const home of homes) home.cleanup();
    }
  });
});

describe("the missing-keys error points at the import", () => {
  test("a profile whose keys are in the credentials file is told to run vsw import credentials-file", async () => {
    const home = fixtureHome();
    try {
      const r = await runVsw(["export", "base", "--no-session"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_KEYS_NOT_FOUND\)/);
      assert.ok(
        r.stderr.includes(
          `hint: Its keys are in plain text in "${home.credentials}": move them with: vsw import credentials-file --profile base`,
        ),
        r.stderr,
      );
      const quoted = await runVsw(["export", "zoë ünïcode 東京", "--no-session"], { env: home.env });
      assert.match(quoted.stderr, /vsw import credentials-file --profile 'zoë ünïcode 東京'/);
      home.writeConfig("[profile nokeys]\nregion = eu-west-1\n");
      const plain = await runVsw(["export", "nokeys", "--no-session"], { env: home.env });
      assert.match(plain.stderr, /hint: Store them with: vsw add nokeys/);
    } finally {
      home.cleanup();
    }
  });
});

describe("imported keys work against STS", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome({ keys: false }));
    home.env.VSW_KEYSTORE = "file";
  });
  after(() => closeWorld(world, home));

  test("after the import, vsw export of a role works and the secret is in plain text nowhere in HOME", async () => {
    const credentials = home.env.AWS_SHARED_CREDENTIALS_FILE as string;
    writeFileSync(
      credentials,
      `[base]\naws_access_key_id = ${world.accessKeyId}\naws_secret_access_key = ${world.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const r = await runVsw(["import", "credentials-file"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(credentials, "utf8"), "");
    const exported = await runVsw(["export", "dev", "--mfa-token", world.code(), "--format", "json"], {
      env: home.env,
    });
    assert.equal(exported.code, 0, exported.stderr);
    const doc = JSON.parse(exported.stdout) as { AccessKeyId: string; SessionToken: string };
    assert.match(doc.AccessKeyId, /^ASIA/);
    assert.deepEqual(filesHolding(home.dir, world.secretAccessKey), []);
    assert.deepEqual(filesHolding(home.env.XDG_RUNTIME_DIR as string, world.secretAccessKey), []);
  });
});

/** aws-vault's file backend, written as 99designs/ByteNess keyring's file.go writes it. */
async function writeVaultItem(
  dir: string,
  key: string,
  credentials: Record<string, unknown>,
  passphrase: string,
): Promise<string> {
  const item = {
    Key: key,
    Data: Buffer.from(JSON.stringify(credentials)).toString("base64"),
    Label: `aws-vault (${key})`,
    Description: "",
    KeychainNotTrustApplication: true,
    KeychainNotSynchronizable: false,
  };
  // jose2go's defaults in keyring: PBES2-HS256+A128KW with p2c 8192 and a 12-byte salt, A256GCM,
  // and a "created" header.
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(item)))
    .setProtectedHeader({ alg: "PBES2-HS256+A128KW", enc: "A256GCM", created: new Date().toString() })
    .setKeyManagementParameters({
      p2c: 8192,
      p2s: new Uint8Array(12).map(() => Math.floor(Math.random() * 256)),
    })
    .encrypt(new TextEncoder().encode(passphrase));
  // keyring's filenameEscape: percent-encode `%` and `/`.
  const file = join(
    dir,
    key.replace(/[%/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
  writeFileSync(file, jwe, { mode: 0o600 });
  return file;
}

const b64url = (s: string) => Buffer.from(s).toString("base64url");

describe("vsw import aws-vault", () => {
  let world: World;
  let home: Home;
  let vaultDir: string;
  const vaultPass = "aws-vault file passphrase ✓";
  const longLived = (id: string, secret: string) => ({
    AccessKeyID: id,
    SecretAccessKey: secret,
    SessionToken: "",
    Source: "",
    CanExpire: false,
    Expires: "0001-01-01T00:00:00Z",
  });
  const teamSecret = "TeamOpsSecretTeamOpsSecretTeamOpsSecret0";
  before(async () => {
    ({ world, home } = await worldWithHome({ keys: false }));
    home.env.VSW_KEYSTORE = "file";
    vaultDir = join(home.dir, "vault-keys");
    mkdirSync(vaultDir, { mode: 0o700 });
    home.env.AWS_VAULT_FILE_DIR = vaultDir;
    await writeVaultItem(vaultDir, "base", longLived(world.accessKeyId, world.secretAccessKey), vaultPass);
    await writeVaultItem(vaultDir, "team/ops", longLived("AKIATEAMOPS000000000", teamSecret), vaultPass);
    // A cached session, as vault/sessionkeyring.go names it, and an OIDC token.
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    await writeVaultItem(
      vaultDir,
      `sts.GetSessionToken,${b64url("base")},${b64url(MFA_SERIAL)},${expiry}`,
      {
        AccessKeyId: "ASIASESSION000000000",
        SecretAccessKey: "SessionSecretSessionSecretSessionSecret0",
        SessionToken: "token",
        Expiration: new Date(expiry * 1000).toISOString(),
      },
      vaultPass,
    );
    await writeVaultItem(vaultDir, "oidc:https://example.awsapps.com/start", { Token: {} }, vaultPass);
  });
  after(() => closeWorld(world, home));

  const vaultSnapshot = () =>
    Object.fromEntries(
      readdirSync(vaultDir).map((f) => [
        f,
        createHash("sha256")
          .update(readFileSync(join(vaultDir, f)))
          .digest("hex"),
      ]),
    );

  test("a wrong passphrase is a clear error and nothing is stored", async () => {
    const r = await runVsw(["import", "aws-vault"], {
      env: { ...home.env, AWS_VAULT_FILE_PASSPHRASE: "wrong" },
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /The passphrase does not open aws-vault's file store in ~\/vault-keys\. \(VSW_IMPORT_BAD_PASSPHRASE\)/,
    );
    assert.equal(await storedKeys(home, "base"), undefined);
  });

  test("copies the long-lived keys, skips sessions and tokens, and leaves aws-vault's store untouched", async () => {
    const before = vaultSnapshot();
    const env = { ...home.env, AWS_VAULT_FILE_PASSPHRASE: vaultPass };
    const r = await runVsw(["import", "aws-vault"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /Copied the keys of "base" and "team\/ops" from aws-vault's file store \(~\/vault-keys\) into the file keystore; aws-vault's store is unchanged\./,
    );
    assert.match(r.stdout, /Skipped 2 cached sessions and tokens of aws-vault/);
    assert.deepEqual(await storedKeys(home, "team/ops"), ["AKIATEAMOPS000000000", teamSecret]);
    assert.deepEqual(vaultSnapshot(), before);
    const again = await runVsw(["import", "aws-vault"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /The keys of "base" and "team\/ops" were already in the file keystore\./);
    assert.equal(again.stdout.includes("Copied"), false);
  });

  test("after the import, vsw exec of a role works against the STS emulator", async () => {
    const r = await runVsw(
      ["exec", "prod", "--mfa-token", world.code(), "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"'],
      { env: home.env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ASIA/);
    // Only aws-vault's own encrypted files and vsw's encrypted keystore hold the key: no plain text.
    assert.deepEqual(filesHolding(home.dir, world.secretAccessKey), []);
    assert.deepEqual(filesHolding(home.dir, teamSecret), []);
  });

  test("a damaged item is named and the others still import; --profile picks one", async () => {
    const broken = join(vaultDir, "broken");
    writeFileSync(broken, "not.a.jwe");
    try {
      const env = { ...home.env, AWS_VAULT_FILE_PASSPHRASE: vaultPass };
      const r = await runVsw(["import", "aws-vault"], { env });
      assert.equal(r.code, 1);
      assert.ok(r.stderr.includes(`aws-vault's item file "${broken}" cannot be read`), r.stderr);
      assert.match(r.stderr, /\(VSW_IMPORT_CORRUPT\)/);
      const one = await runVsw(["import", "aws-vault", "--profile", "team/ops"], { env });
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /The keys of "team\/ops" were already/);
    } finally {
      rmSync(broken);
    }
  });

  test("without AWS_VAULT_FILE_PASSPHRASE the passphrase is asked on the terminal, hidden", async (t) => {
    if (!requireTool(t, "tmux") || !requireTool(t, "bash")) return;
    const tmux = startTmux();
    try {
      tmux.start("vsw-import", ["bash", "--norc", "--noprofile"], {
        ...home.env,
        PS1: "$ ",
        TERM: "xterm-256color",
      });
      await tmux.waitFor("vsw-import", /\$ ?$/);
      tmux.type(
        "vsw-import",
        `${process.execPath} ${VSW} import aws-vault --profile team/ops; echo "exit=$?"`,
      );
      await tmux.waitFor("vsw-import", /Passphrase of aws-vault's file store in ~\/vault-keys:/);
      tmux.type("vsw-import", vaultPass);
      const screen = await tmux.waitFor("vsw-import", /^exit=\d+$/m);
      assert.match(screen, /^exit=0$/m);
      assert.match(screen, /The keys of "team\/ops" were already in the file keystore/);
      assert.equal(screen.includes(vaultPass), false, "the passphrase is not echoed");
    } finally {
      tmux.kill();
    }
  });
});

describe("the credentials-file plan (pure)", () => {
  const plan = (text: string) => planCredentialsFile(Buffer.from(text), "credentials");

  test("a key written twice with different values is refused, with both lines named", () => {
    const [p] = plan(
      `[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = ${"s".repeat(40)}\n[a]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n`,
    );
    assert.equal(p?.refuse, "it sets aws_access_key_id more than once with different values (lines 2, 5)");
    assert.equal(p?.keys, undefined);
  });

  test("the same pair written twice moves once and both copies go", () => {
    const text = `[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = ${"s".repeat(40)}\nregion = x\n`;
    const [p] = plan(text);
    assert.deepEqual([...(p?.lines ?? [])].sort(), [2, 3, 4]);
    assert.equal(dropLines(Buffer.from(text), new Set(p?.lines)).toString(), "[a]\nregion = x\n");
  });

  test("an access key without its secret is refused; a section without keys is not listed", () => {
    const found = plan("[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n[b]\nregion = x\n");
    assert.deepEqual(
      found.map((p) => [p.profile, p.refuse]),
      [["a", "it sets aws_access_key_id but no aws_secret_access_key"]],
    );
  });

  test("a header goes only with a section left without any key; a BOM on a dropped first line stays", () => {
    const text = `\uFEFF[a]\r\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\r\naws_secret_access_key = ${"s".repeat(40)}\r\n# note\r\n`;
    const bytes = Buffer.from(text);
    const [p] = plan(text);
    const lines = new Set(p?.lines);
    for (const header of emptiedHeaders(bytes, "credentials", lines)) lines.add(header);
    assert.equal(dropLines(bytes, lines).toString(), "\uFEFF# note\r\n");
  });
});
