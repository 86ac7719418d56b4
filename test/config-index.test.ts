/**
 * The section index of large configs (core/config-index.ts, plugins/config/config-index-store.ts):
 * what it answers is what the full parse answers, a damaged index is never believed, the stored
 * index is used only for the very file it describes, holds no name or value, and a config edited
 * between two runs is seen by the second. Timing is the bench's business (bench/hot-path.ts).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { loadAwsConfig } from "../src/core/config.js";
import { buildSectionIndex, indexedAwsConfig, indexFits } from "../src/core/config-index.js";
import { closeWorld, type Home, runVsw, type World, worldWithHome } from "./helpers/harness.js";

const NAMES = ["dev", "prod", "default", "my prod", "p1", "p10", "dév", "a.b", "x"];

/** A config text from generated sections: headers in every form, duplicates, comments, sub-properties. */
const section = fc.record({
  kind: fc.constantFrom("profile", "default", "sso-session", "services", "bare", "quoted"),
  name: fc.constantFrom(...NAMES),
  indent: fc.constantFrom("", " ", "\t"),
  comment: fc.constantFrom("", " # note", " ; x"),
  keys: fc.array(
    fc.record({
      key: fc.constantFrom("region", "role_arn", "source_profile", "s3", "output", "sso_session"),
      value: fc.constantFrom("", "eu-west-1", "a#b", "x ; y", "dev", "prod", "ünï"),
      sub: fc.boolean(),
    }),
    { maxLength: 4 },
  ),
});
const configText = fc
  .record({
    sections: fc.array(section, { maxLength: 14 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    lead: fc.constantFrom("", "# top\n\n", "; c\n"),
  })
  .map(({ sections, crlf, bom, lead }) => {
    const lines: string[] = [];
    for (const s of sections) {
      const header =
        s.kind === "default"
          ? "[default]"
          : s.kind === "bare"
            ? `[${s.name}]`
            : s.kind === "quoted"
              ? `[ profile  "${s.name}" ]`
              : `[${s.kind} ${s.name}]`;
      lines.push(`${s.indent}${header}${s.comment}`);
      for (const k of s.keys) {
        lines.push(`${k.key} = ${k.value}`);
        if (k.sub && k.value === "") lines.push("  max_concurrent_requests = 4");
      }
      lines.push("");
    }
    return `${bom ? "\uFEFF" : ""}${lead}${lines.join(crlf ? "\r\n" : "\n")}`;
  });
const credentialsText = fc
  .array(fc.record({ name: fc.constantFrom(...NAMES), region: fc.constantFrom("us-east-1", "") }), {
    maxLength: 5,
  })
  .map((list) => list.map((p) => `[${p.name}]\nregion = ${p.region}\n`).join("\n"));

function both(config: string, credentials: string) {
  const full = loadAwsConfig(config, "/c", credentials, "/k");
  const indexed = indexedAwsConfig({
    configText: config,
    configFile: "/c",
    credentialsText: credentials,
    credentialsFile: "/k",
    config: buildSectionIndex(config, "/c", "config"),
    credentials: buildSectionIndex(credentials, "/k", "credentials"),
  });
  return { full, indexed };
}

describe("the section index answers what the full parse answers", () => {
  test("every profile, [services] and [sso-session] block, for generated configs", () => {
    fc.assert(
      fc.property(configText, credentialsText, (config, credentials) => {
        const { full, indexed } = both(config, credentials);
        for (const name of [...NAMES, "absent"]) {
          assert.deepEqual(indexed.profiles.get(name), full.profiles.get(name), `profile ${name}`);
          assert.equal(indexed.profiles.has(name), full.profiles.has(name));
          assert.deepEqual(indexed.services.get(name), full.services.get(name), `services ${name}`);
          assert.deepEqual(indexed.ssoSessions.get(name), full.ssoSessions.get(name), `sso ${name}`);
        }
        assert.deepEqual(indexed.ignoredSections, full.ignoredSections);
      }),
      { numRuns: 300 },
    );
  });

  test("an index whose offsets point elsewhere drops to the full parse", () => {
    const config =
      "[profile a]\nregion = eu-west-1\n\n[profile b]\nregion = us-east-1\n[profile a]\noutput = json\n";
    const index = buildSectionIndex(config, "/c", "config");
    const shifted = { ...index, starts: index.starts.map((s) => s + 1) };
    const lookup = indexedAwsConfig({
      configText: config,
      configFile: "/c",
      credentialsText: "",
      credentialsFile: "/k",
      config: shifted,
      credentials: buildSectionIndex("", "/k", "credentials"),
    });
    assert.deepEqual(lookup.profiles.get("a"), loadAwsConfig(config, "/c", "", "/k").profiles.get("a"));
    assert.equal(lookup.profiles.get("a")?.values.output, "json");
  });

  test("an index built for another text does not fit it", () => {
    const index = buildSectionIndex("[profile a]\nregion = x\n", "/c", "config");
    assert.equal(indexFits(index, "[profile a]\nregion = x\n"), true);
    assert.equal(indexFits(index, "[profile a]\nregion = xy\n"), false);
    // The same length, another text: what a loadConfig tap rewriting a header would leave.
    assert.equal(indexFits(index, "[profile b]\nregion = x\n"), false);
    assert.equal(indexFits({ ...index, entries: new Int32Array(0) }, index.text), false);
  });
});

/** A config well over the size that gets an index, with `dev` a role on `base` near its end. */
function bigConfig(world: World, region: string): string {
  const filler = Array.from(
    { length: 1500 },
    (_, i) =>
      `[profile filler-${i}]\nregion = us-east-1\nrole_arn = arn:aws:iam::111111111111:role/r${i}\nsource_profile = base\n`,
  ).join("\n");
  return `${filler}\n${world.config.replace(/region = [a-z0-9-]+/g, `region = ${region}`)}`;
}

/**
 * Makes the file look edited long ago: its times 10 minutes back, then a wait until its change
 * time (which utimes moves to now, and nothing can set back) is older than the 2 s an index needs.
 */
async function settle(file: string): Promise<void> {
  const past = new Date(Date.now() - 600_000);
  utimesSync(file, past, past);
  await new Promise((resolve) => setTimeout(resolve, 2100));
}

describe("the stored index of a large config", () => {
  let world: World;
  let home: Home;
  let configFile: string;
  let indexDir: string;
  before(async () => {
    ({ world, home } = await worldWithHome());
    configFile = home.env.AWS_CONFIG_FILE as string;
    indexDir = join(home.dir, ".cache", "vsw", "config-index");
  });
  after(() => closeWorld(world, home));

  const plan = async (...more: string[]) => {
    const r = await runVsw(["plan", "dev", "--debug", ...more], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    const trace = /section index of "[^"]*config": ([^\n]*)/.exec(r.stderr)?.[1];
    return { out: r.stdout, trace };
  };

  test("a config changed a moment ago is indexed but the index is not kept", async () => {
    writeFileSync(configFile, bigConfig(world, "eu-west-1"));
    const first = await plan();
    assert.match(first.trace ?? "", /built, not kept: the file changed less than 2 s ago/);
    assert.equal(existsSync(indexDir) && readdirSync(indexDir).length > 0, false);
    assert.match(first.out, /region eu-west-1/);
  });

  test("a settled config is indexed once, then the index is reused", async () => {
    await settle(configFile);
    assert.match((await plan()).trace ?? "", /^built and kept$/);
    const again = await plan();
    assert.equal(again.trace, "reused");
    assert.match(again.out, /region eu-west-1/);
    const [file] = readdirSync(indexDir);
    assert.ok(file);
    assert.equal(statSync(join(indexDir, file)).mode & 0o777, 0o600);
    assert.equal(statSync(indexDir).mode & 0o777, 0o700);
  });

  test("an edit between two runs is seen by the second, even one keeping the size and the times", async () => {
    const before = statSync(configFile);
    // Same length, same mtime and atime put back: only the inode's change time moves.
    writeFileSync(configFile, bigConfig(world, "us-west-2"));
    assert.equal(statSync(configFile).size, before.size);
    utimesSync(configFile, before.atime, before.mtime);
    const seen = await plan();
    assert.match(seen.out, /region us-west-2/);
    assert.notEqual(seen.trace, "reused");
    // A different size, written and settled.
    writeFileSync(configFile, `${bigConfig(world, "sa-east-1")}\n# one more line\n`);
    await settle(configFile);
    const grown = await plan();
    assert.match(grown.out, /region sa-east-1/);
    assert.match(grown.trace ?? "", /^built and kept$/);
    assert.equal((await plan()).trace, "reused");
  });

  test("a damaged index is not believed", async () => {
    const [file] = readdirSync(indexDir);
    assert.ok(file);
    const path = join(indexDir, file);
    const bytes = readFileSync(path);
    // A flipped byte in the offsets, then a cut file: both are caught by the digest or the size.
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] ?? 0) ^ 0x40;
    writeFileSync(path, bytes);
    const flipped = await plan();
    assert.match(flipped.trace ?? "", /^built and kept$/);
    assert.match(flipped.out, /region sa-east-1/);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    assert.match((await plan()).trace ?? "", /^built and kept$/);
    writeFileSync(path, "not an index");
    assert.match((await plan()).trace ?? "", /^built and kept$/);
  });

  test("the index holds no profile name and no value, not even a secret in the config", async () => {
    const secret = "SECRETinTHEconfigFILE0123456789abcdefXYZ";
    writeFileSync(
      configFile,
      `${bigConfig(world, "eu-west-1")}\n[profile leaky-name]\naws_access_key_id = AKIALEAKYLEAKYLEAKY0\naws_secret_access_key = ${secret}\n`,
    );
    await settle(configFile);
    assert.match((await plan()).trace ?? "", /^built and kept$/);
    for (const file of readdirSync(indexDir)) {
      const text = readFileSync(join(indexDir, file)).toString("latin1");
      for (const word of [secret, "AKIALEAKY", "leaky-name", "filler-1", "eu-west-1", "role/r1"]) {
        assert.equal(text.includes(word), false, `${word} is in the index`);
      }
    }
  });

  test("a switch through the index hands out the same credentials and an invalid line elsewhere still fails", async () => {
    writeFileSync(configFile, bigConfig(world, "eu-west-1"));
    await settle(configFile);
    const minted = await runVsw(["export", "dev", "--format", "json", "--mfa-token", world.code()], {
      env: home.env,
    });
    assert.equal(minted.code, 0, minted.stderr);
    const cached = await runVsw(["export", "dev", "--format", "json", "--debug"], { env: home.env });
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /section index of "[^"]*config": reused/);
    assert.equal(JSON.parse(cached.stdout).AccessKeyId, JSON.parse(minted.stdout).AccessKeyId);
    // A malformed line far from dev's sections: the AWS CLI refuses the whole file, and so does vsw.
    writeFileSync(
      configFile,
      bigConfig(world, "eu-west-1").replace("[profile filler-7]", "[profile filler-7"),
    );
    await settle(configFile);
    const broken = await runVsw(["export", "dev", "--format", "json"], { env: home.env });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /VSW_CONFIG_INVALID/);
  });

  test("a loadConfig tap that rewrites the text is not answered from the file's index", async () => {
    writeFileSync(configFile, bigConfig(world, "eu-west-1"));
    await settle(configFile);
    assert.match((await plan()).trace ?? "", /^built and kept$/);
    // Same length: "[profile dev]" becomes "[profile deV]", as a team's plugin might rename it.
    const plugin = join(home.dir, "rename.mjs");
    writeFileSync(
      plugin,
      `export default {
  name: "rename",
  apply(vsw) {
    vsw.hooks.loadConfig.tap("rename", (input) => ({ ...input, configText: input.configText.replace("[profile dev]", "[profile deV]") }));
  },
};
`,
    );
    const r = await runVsw(["plan", "deV", "--plugin", plugin], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plan for "deV"/);
  });
});
