/** The output formats of `vsw export`, on fixed credentials. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isVswError } from "../src/core/errors.js";
import type { FormatRequest } from "../src/core/types.js";
import { createVsw } from "../src/core/vsw.js";
import { documentFormats } from "../src/plugins/format/documents.js";
import { envFormat } from "../src/plugins/format/env.js";

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
