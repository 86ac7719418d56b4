/** The output formats of `vsw export`, on fixed credentials. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { parseEnv } from "node:util";
import fc from "fast-check";
import { parseAwsIni } from "../src/core/config.js";
import { isVswError } from "../src/core/errors.js";
import type { FormatRequest } from "../src/core/types.js";
import { createVsw } from "../src/core/vsw.js";
import { documentFormats } from "../src/plugins/format/documents.js";
import { envFormat } from "../src/plugins/format/env.js";
import { exportedVariables, isoSeconds } from "../src/plugins/format/variables.js";

const session: FormatRequest = {
  profile: "prod",
  region: "eu-west-1",
  credentials: {
    accessKeyId: "ASIAEXAMPLEEXAMPLE00",
    secretAccessKey: "secret/with+chars=",
    sessionToken: "token==",
    expiration: Date.parse("2026-11-28T21:00:00.500Z"),
    accountId: "333333333333",
  },
};
const keys: FormatRequest = {
  profile: "base",
  region: null,
  credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: "s" },
};

function format(name: string, request: FormatRequest): string {
  const vsw = createVsw({ env: {} }).use(documentFormats()).use(envFormat());
  const text = vsw.hooks.format.get(name)?.call(request);
  assert.ok(text !== undefined);
  return text;
}

describe("formats", () => {
  test("json is the credential_process Version 1 document with RFC 3339 UTC expiry", () => {
    assert.deepEqual(JSON.parse(format("json", session)), {
      Version: 1,
      AccessKeyId: "ASIAEXAMPLEEXAMPLE00",
      SecretAccessKey: "secret/with+chars=",
      SessionToken: "token==",
      Expiration: "2026-11-28T21:00:00Z",
    });
  });

  test("json for long-lived keys has neither token nor expiry", () => {
    assert.deepEqual(Object.keys(JSON.parse(format("json", keys))), [
      "Version",
      "AccessKeyId",
      "SecretAccessKey",
    ]);
  });

  test("ini is a credentials-file block named after the profile", () => {
    assert.equal(
      format("ini", session),
      "[prod]\naws_access_key_id = ASIAEXAMPLEEXAMPLE00\naws_secret_access_key = secret/with+chars=\naws_session_token = token==\n# expires 2026-11-28T21:00:00Z\nregion = eu-west-1\n",
    );
  });

  test("ini refuses a profile name that would break the section header", () => {
    assert.throws(
      () => format("ini", { ...session, profile: "a]\n[b" }),
      (error: unknown) => isVswError(error, "VSW_VALUE_UNREPRESENTABLE"),
    );
  });

  test("dotenv writes KEY=value lines, quoting what needs it", () => {
    const text = format("dotenv", { ...session, profile: "my prod" });
    assert.match(text, /^AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE00$/m);
    assert.match(text, /^VSW_PROFILE='my prod'$/m);
    assert.match(text, /^AWS_CREDENTIAL_EXPIRATION=2026-11-28T21:00:00Z$/m);
    assert.match(text, /^VSW_EXPIRATION=1795899600$/m);
  });

  test("dotenv refuses a value it cannot quote", () => {
    assert.throws(
      () => format("dotenv", { ...session, profile: "it's\nodd" }),
      (error: unknown) => isVswError(error, "VSW_VALUE_UNREPRESENTABLE"),
    );
  });

  test("env for bash unsets every switch variable first, then exports", () => {
    const text = format("env", { ...session, shell: "bash" });
    const [unset, ...exports] = text.trimEnd().split("\n");
    assert.match(
      unset ?? "",
      /^unset AWS_ACCESS_KEY_ID .* AWS_PROFILE AWS_DEFAULT_PROFILE AWS_VAULT .*VSW_REGION VSW_SAVED /,
    );
    assert.deepEqual(
      exports.map((line) => line.split("=")[0]),
      [
        "export AWS_ACCESS_KEY_ID",
        "export AWS_SECRET_ACCESS_KEY",
        "export AWS_SESSION_TOKEN",
        "export AWS_CREDENTIAL_EXPIRATION",
        "export AWS_SESSION_EXPIRATION",
        "export AWS_REGION",
        "export AWS_DEFAULT_REGION",
        "export AWS_VAULT",
        "export VSW_PROFILE",
        "export VSW_ACCOUNT_ID",
        "export VSW_EXPIRATION",
        "export VSW_REGION",
        "export VSW_SAVED",
      ],
    );
  });

  test("env refuses an unknown --shell naming the supported ones", () => {
    assert.throws(
      () => format("env", { ...session, shell: "tcsh" }),
      (error: unknown) =>
        isVswError(error, "VSW_USAGE") && /bash, zsh, sh, fish, pwsh/.test(error.hint ?? ""),
    );
  });
});

/** Characters that change the meaning of a line in some format, plus ordinary ones. */
const HOSTILE = [
  "\n",
  "\r",
  "[",
  "]",
  "=",
  "\0",
  "'",
  '"',
  "`",
  "#",
  ";",
  " ",
  "\t",
  "\\",
  "$",
  "\u2028",
  "\u202e",
  "\u001b",
  "é",
];
const hostileString = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HOSTILE, "a", "Z", "0", "/", "+"), minLength: 1 }),
  fc.string({ unit: "binary", minLength: 1 }),
  fc.constantFrom(
    "ok\ncredential_process = sh -c 'touch /tmp/pwned'",
    "x\r[evil]",
    "a = b",
    "'",
    '"quoted"',
    "tail\\",
  ),
);
const hostileRequest: fc.Arbitrary<FormatRequest> = fc.record({
  profile: fc.oneof(fc.constant("prod"), hostileString),
  region: fc.oneof(fc.constant(null), fc.constant("eu-west-1"), hostileString),
  credentials: fc.record({
    accessKeyId: fc.oneof(fc.constant("ASIAEXAMPLEEXAMPLE00"), hostileString),
    secretAccessKey: fc.oneof(fc.constant("secret/with+chars="), hostileString),
    sessionToken: fc.oneof(fc.constant("token=="), hostileString),
    expiration: fc.integer({ min: 0, max: 8_000_000_000_000 }),
  }),
});

/** Runs `fn`; true when it refused with VSW_VALUE_UNREPRESENTABLE (any other error fails the test). */
function refused(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (isVswError(error, "VSW_VALUE_UNREPRESENTABLE")) return true;
    throw error;
  }
}

const expiry = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

describe("isoSeconds", () => {
  test("is toISOString to the second, for every time JavaScript can hold", () => {
    const reference = (ms: number) =>
      new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const MAX = 8.64e15;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -MAX, max: MAX }),
          fc.integer({ min: -62_200_000_000_000, max: 253_500_000_000_000 }),
          fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        ),
        (ms) => assert.equal(isoSeconds(ms), reference(ms)),
      ),
      { numRuns: 2000 },
    );
    for (const ms of [
      0, -1, 999, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000,
    ]) {
      assert.equal(isoSeconds(ms), reference(ms));
    }
    assert.throws(() => isoSeconds(Number.NaN), RangeError);
  });
});

describe("formats with hostile values", () => {
  test("json reads back exactly every field, whatever the values", () => {
    fc.assert(
      fc.property(hostileRequest, (request) => {
        const c = request.credentials;
        assert.deepEqual(JSON.parse(format("json", request)), {
          Version: 1,
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          SessionToken: c.sessionToken,
          Expiration: expiry(c.expiration as number),
        });
      }),
    );
  });

  test("ini is refused, or reads back exactly every field in vsw's own parser", () => {
    fc.assert(
      fc.property(hostileRequest, (request) => {
        let text = "";
        if (refused(() => (text = format("ini", request)))) return;
        const sections = parseAwsIni(text, "export.ini", "credentials");
        assert.equal(sections.length, 1);
        assert.equal(sections[0]?.name, request.profile);
        assert.deepEqual({ ...sections[0]?.values }, iniFields(request));
      }),
      { numRuns: 500 },
    );
  });

  test("ini refuses a newline, CR, NUL, quote, comment character or edge whitespace in every field", () => {
    const fields = ["accessKeyId", "secretAccessKey", "sessionToken"] as const;
    for (const bad of [
      "a\nb",
      "a\rb",
      "a\0b",
      '"ab"',
      "'ab'",
      "a #b",
      "a;b",
      "a b",
      " ab",
      "ab\\",
      "a\u2028b",
    ]) {
      for (const field of fields) {
        const request = { ...session, credentials: { ...session.credentials, [field]: bad } };
        assert.ok(
          refused(() => format("ini", request)),
          `${field} = ${JSON.stringify(bad)}`,
        );
      }
      assert.ok(
        refused(() => format("ini", { ...session, region: bad })),
        `region = ${JSON.stringify(bad)}`,
      );
    }
    for (const bad of ["a\nb", "a]b", "[a", "a #b", "a;b", " a", "a\0b", "a\u202eb", ""]) {
      assert.ok(
        refused(() => format("ini", { ...session, profile: bad })),
        `profile ${JSON.stringify(bad)}`,
      );
    }
  });

  test("ini values that are written read back exactly in Python's configparser, as the AWS CLI reads them", (t) => {
    const samples = fc.sample(hostileRequest, 400).flatMap((request) => {
      let text = "";
      return refused(() => (text = format("ini", request)))
        ? []
        : [{ text, profile: request.profile, fields: iniFields(request) }];
    });
    samples.push({ text: format("ini", session), profile: session.profile, fields: iniFields(session) });
    const script = `import configparser, json, sys
out = []
for s in json.load(sys.stdin):
    cp = configparser.RawConfigParser()
    cp.read_string(s)
    out.append({name: dict(cp.items(name)) for name in cp.sections()})
json.dump(out, sys.stdout)`;
    const python = spawnSync("python3", ["-c", script], {
      input: JSON.stringify(samples.map((s) => s.text)),
      encoding: "utf8",
    });
    if (python.error) {
      if (process.env.CI === "true")
        throw new Error("python3 is required under CI=true (.ci/run installs it)");
      return t.skip("python3 is not installed");
    }
    assert.equal(python.status, 0, python.stderr);
    const parsed = JSON.parse(python.stdout) as Array<Record<string, Record<string, string>>>;
    for (const [i, sample] of samples.entries())
      assert.deepEqual(parsed[i], { [sample.profile]: sample.fields });
  });

  test("dotenv is refused, or reads back exactly every variable in Node's dotenv parser", () => {
    fc.assert(
      fc.property(hostileRequest, (request) => {
        let text = "";
        if (refused(() => (text = format("dotenv", request)))) return;
        const expected = Object.fromEntries(exportedVariables(request));
        assert.deepEqual({ ...parseEnv(text) }, expected);
      }),
      { numRuns: 500 },
    );
  });

  test("dotenv refuses a newline, CR, NUL, quote or backslash that plain text or single quotes cannot carry", () => {
    for (const bad of ["a\nb", "a\rb", "a\0b", "it's", "a\\b", "a\u2028b", "a\u001bb"]) {
      assert.ok(
        refused(() => format("dotenv", { ...session, profile: `x${bad}` })),
        JSON.stringify(bad),
      );
    }
  });
});

/** The key = value lines an ini export holds for `request`. */
function iniFields(request: FormatRequest): Record<string, string> {
  const c = request.credentials;
  return {
    aws_access_key_id: c.accessKeyId,
    aws_secret_access_key: c.secretAccessKey,
    ...(c.sessionToken ? { aws_session_token: c.sessionToken } : {}),
    ...(request.region ? { region: request.region } : {}),
  };
}
