import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadAwsConfig, loadProfiles, parseAwsIni, profileNames } from "../src/core/config.js";
import { isVswError } from "../src/core/errors.js";

const FILE = "/home/me/.aws/config";

function only(text: string, kind: "config" | "credentials" = "config") {
  const [section] = parseAwsIni(text, FILE, kind);
  assert.ok(section, "expected one section");
  return section;
}

function throwsInvalid(text: string, ...parts: string[]): void {
  assert.throws(
    () => parseAwsIni(text, FILE),
    (error: unknown) =>
      isVswError(error, "VSW_CONFIG_INVALID") && parts.every((part) => error.message.includes(part)),
  );
}

describe("parseAwsIni sections", () => {
  it("tells default, profile, sso-session, services and other sections apart, with their lines", () => {
    const text = "[default]\n[profile prod]\n[sso-session corp]\n[services local]\n[plugins]\n";
    const got = parseAwsIni(text, FILE).map(({ kind, name, line }) => ({ kind, name, line }));
    assert.deepEqual(got, [
      { kind: "default", name: "default", line: 1 },
      { kind: "profile", name: "prod", line: 2 },
      { kind: "sso-session", name: "corp", line: 3 },
      { kind: "services", name: "local", line: 4 },
      { kind: "other", name: "plugins", line: 5 },
    ]);
  });

  it("reads [profile default] as the profile named default", () => {
    assert.deepEqual(
      [only("[profile default]\n").kind, only("[profile default]\n").name],
      ["profile", "default"],
    );
  });

  it("keeps dots, unicode and case in profile names", () => {
    assert.equal(only("[profile My.Org.Prüf]\n").name, "My.Org.Prüf");
  });

  it("trims whitespace inside the brackets and between profile and the name", () => {
    assert.equal(only("[  profile \t prod  ]\n").name, "prod");
  });

  it("accepts a quoted profile name, as botocore and the JS SDK do", () => {
    assert.equal(only('[profile "my prod"]\n').name, "my prod");
  });

  it("reads every credentials-file section as a profile named by its header verbatim", () => {
    const sections = parseAwsIni("[default]\n[ci]\n[profile x]\n", FILE, "credentials");
    assert.deepEqual(
      sections.map(({ kind, name }) => [kind, name]),
      [
        ["profile", "default"],
        ["profile", "ci"],
        ["profile", "profile x"],
      ],
    );
  });
});

describe("parseAwsIni values and comments", () => {
  it("lower-cases keys and trims keys and values", () => {
    assert.deepEqual({ ...only("[default]\n  Role_ARN   =   arn:x  \n").values }, { role_arn: "arn:x" });
  });

  it("keeps a # or ; that does not follow whitespace as part of the value", () => {
    assert.equal(only("[default]\nx = a#b;c\n").values.x, "a#b;c");
  });

  it("cuts a # comment that follows whitespace", () => {
    assert.equal(only("[default]\nx = a #b\n").values.x, "a");
  });

  it("cuts a ; comment that follows whitespace", () => {
    assert.equal(only("[default]\nx = a\t; b\n").values.x, "a");
  });

  it("skips whole-line comments, indented or not, and comments after a header", () => {
    const section = only("# one\n; two\n[default] ; three\n   # four\nx = 1\n");
    assert.deepEqual({ ...section.values }, { x: "1" });
  });

  it("records the line of every key", () => {
    assert.deepEqual(
      { ...only("[default]\n\nregion = eu-west-1\nmfa_serial = GAHT12345678\n").lines },
      {
        region: 3,
        mfa_serial: 4,
      },
    );
  });

  it("keeps indented sub-properties under a dotted key without breaking the section", () => {
    const section = only(
      "[default]\ns3 =\n  max_concurrent_requests = 10\n  region = x\nregion = eu-west-1\n",
    );
    assert.deepEqual(
      { ...section.values },
      {
        s3: "",
        "s3.max_concurrent_requests": "10",
        "s3.region": "x",
        region: "eu-west-1",
      },
    );
  });

  it("reads an indented key after a key with a value as an ordinary key", () => {
    assert.deepEqual({ ...only("[default]\na = 1\n  b = 2\n").values }, { a: "1", b: "2" });
  });

  it("reads CRLF line endings and a byte-order mark", () => {
    assert.deepEqual(
      { ...only("\uFEFF[default]\r\nregion = eu-west-1\r\n").values },
      { region: "eu-west-1" },
    );
  });

  it("reads key: value lines, as botocore's ConfigParser does", () => {
    assert.deepEqual(
      { ...only("[profile a]\nregion: eu-west-1\nrole_arn:arn:aws:iam::1:role/x\n").values },
      { region: "eu-west-1", role_arn: "arn:aws:iam::1:role/x" },
    );
  });

  it("splits a line at its first = or :, whichever comes first", () => {
    const values = only(
      "[a]\nendpoint_url = http://localhost:4566\ncredential_process: c --x=1\n",
      "credentials",
    ).values;
    assert.equal(values.endpoint_url, "http://localhost:4566");
    assert.equal(values.credential_process, "c --x=1");
  });

  it("keeps a value containing = after the first one", () => {
    assert.equal(only("[default]\nsession_tags = a=b,c=d\n").values.session_tags, "a=b,c=d");
  });
});

describe("parseAwsIni malformed input", () => {
  it("rejects a line without = naming the file and line", () => {
    throwsInvalid("[default]\nregion = x\nnonsense\n", "Line 3", FILE);
  });

  it("never echoes the malformed line, which may hold a secret", () => {
    assert.throws(
      () => parseAwsIni("[default]\naws_secret_access_key wJalrXUtnFEMI\n", FILE),
      (error: unknown) => isVswError(error) && !error.message.includes("wJalrXUtnFEMI"),
    );
  });

  it("rejects a key before the first section", () => {
    throwsInvalid("region = x\n[default]\n", "Line 1");
  });

  it("rejects a header without its closing bracket", () => {
    throwsInvalid("[profile prod\n", "Line 1");
  });

  it("rejects an empty header", () => {
    throwsInvalid("[default]\n[ ]\n", "Line 2");
  });

  it("rejects a line that starts with =", () => {
    throwsInvalid("[default]\n= value\n", "Line 2");
  });

  it("rejects a line that starts with :", () => {
    throwsInvalid("[default]\n: value\n", "Line 2");
  });

  it("rejects an indented line without = after a key with a value", () => {
    throwsInvalid("[default]\ncredential_process = a\n  --more\n", "Line 3");
  });
});

describe("parseAwsIni prototype safety", () => {
  it("keeps __proto__ as a plain key without touching Object.prototype", () => {
    const section = only("[default]\n__proto__ = polluted\nconstructor = x\n");
    assert.equal(Object.getOwnPropertyDescriptor(section.values, "__proto__")?.value, "polluted");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  it("keeps a profile named __proto__ as an ordinary profile", () => {
    const profiles = loadProfiles("[profile __proto__]\nregion = x\n", FILE, "", "/c");
    assert.equal(profiles.get("__proto__")?.values.region, "x");
  });
});

describe("loadProfiles", () => {
  const config = "[profile base]\nregion = eu-west-1\nmfa_serial = M\n\n[default]\nregion = us-east-1\n";
  const credentials = "[base]\nregion = us-east-2\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\n[ci]\n";

  it("lets a credentials-file value beat the config file's for the same key", () => {
    const base = loadProfiles(config, FILE, credentials, "/c").get("base");
    assert.equal(base?.values.region, "us-east-2");
  });

  it("keeps the config file's values that the credentials file does not set", () => {
    assert.equal(loadProfiles(config, FILE, credentials, "/c").get("base")?.values.mfa_serial, "M");
  });

  it("records where each merged value was read", () => {
    const base = loadProfiles(config, FILE, credentials, "/c").get("base");
    assert.deepEqual(
      [base?.origins.region, base?.origins.mfa_serial],
      [
        { file: "/c", line: 2 },
        { file: FILE, line: 3 },
      ],
    );
  });

  it("places a profile at its config-file section when both files have one", () => {
    const base = loadProfiles(config, FILE, credentials, "/c").get("base");
    assert.deepEqual([base?.file, base?.line], [FILE, 1]);
  });

  it("includes profiles that only the credentials file declares", () => {
    assert.equal(loadProfiles(config, FILE, credentials, "/c").get("ci")?.file, "/c");
  });

  it("merges [default] and [profile default] into one profile, later lines winning", () => {
    const profiles = loadProfiles("[profile default]\na = 1\nb = 1\n[default]\nb = 2\n", FILE, "", "/c");
    assert.deepEqual({ ...profiles.get("default")?.values }, { a: "1", b: "2" });
  });

  it("does not treat a bare [prod] section of the config file as a profile", () => {
    const loaded = loadAwsConfig("[prod]\nregion = x\n", FILE, "", "/c");
    assert.deepEqual([loaded.profiles.has("prod"), loaded.ignoredSections], [false, ["prod"]]);
  });

  it("keeps [services] blocks apart from profiles", () => {
    const loaded = loadAwsConfig("[services local]\nsts =\n  endpoint_url = http://x\n", FILE, "", "/c");
    assert.equal(loaded.services.get("local")?.values["sts.endpoint_url"], "http://x");
  });
});

describe("profileNames", () => {
  it("lists profiles in order of appearance, then stored-only names sorted and without duplicates", () => {
    const profiles = loadProfiles("[profile b]\n[default]\nregion = eu-west-1\n", FILE, "[a]\n[b]\n", "/c");
    assert.deepEqual(profileNames(profiles, ["zed", "b", "alpha", "zed"]), [
      "b",
      "default",
      "a",
      "alpha",
      "zed",
    ]);
  });

  it("leaves out an empty [default] section", () => {
    const profiles = loadProfiles("[default]\n\n[profile a]\n", FILE, "", "/c");
    assert.deepEqual(profileNames(profiles, ["x"]), ["a", "x"]);
  });

  it("keeps an empty [default] section whose keys are stored, in its place", () => {
    const profiles = loadProfiles("[default]\n\n[profile a]\n", FILE, "", "/c");
    assert.deepEqual(profileNames(profiles, ["default"]), ["default", "a"]);
  });
});
