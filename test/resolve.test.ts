/**
 * Truth table of the resolver: one folder per case under test/fixtures/resolve, each holding
 * `config`, optional `credentials`, `input.json` and `expected.json` (a plan, or an error).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isVswError } from "../src/core/errors.js";
import { defaultSessionName, resolvePlan } from "../src/core/resolve.js";
import type { ResolveFlags, ResolveInput } from "../src/core/types.js";

const FIXTURES = new URL("./fixtures/resolve/", import.meta.url);

interface CaseInput {
  description: string;
  profile: string;
  storedKeys?: string[];
  env?: Record<string, string>;
  flags?: ResolveFlags;
}

interface ExpectedError {
  error: string;
  messageIncludes?: string[];
  messageExcludes?: string[];
  hintIncludes?: string[];
}

function read(dir: URL, name: string): string | undefined {
  const file = new URL(name, dir);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

function inputOf(dir: URL): { description: string; input: ResolveInput } {
  const raw = JSON.parse(read(dir, "input.json") ?? "{}") as CaseInput;
  return {
    description: raw.description,
    input: {
      profile: raw.profile,
      configText: read(dir, "config") ?? "",
      configFile: "/home/me/.aws/config",
      credentialsText: read(dir, "credentials") ?? "",
      credentialsFile: "/home/me/.aws/credentials",
      storedKeys: new Set(raw.storedKeys ?? []),
      env: raw.env ?? {},
      flags: raw.flags ?? {},
    },
  };
}

describe("resolvePlan fixtures", () => {
  const names = readdirSync(FIXTURES).sort();
  it("has at least 35 fixture cases", () => {
    assert.ok(names.length >= 35, `only ${names.length} cases`);
  });
  for (const name of names) {
    const dir = new URL(`${name}/`, FIXTURES);
    const { description, input } = inputOf(dir);
    const expected = JSON.parse(read(dir, "expected.json") ?? "null") as Record<string, unknown>;
    it(`${description} (${name})`, () => {
      if (typeof expected.error !== "string") {
        assert.deepEqual(JSON.parse(JSON.stringify(resolvePlan(input))), expected);
        return;
      }
      const want = expected as unknown as ExpectedError;
      assert.throws(
        () => resolvePlan(input),
        (error: unknown) => {
          assert.ok(isVswError(error), `expected a VswError, got ${String(error)}`);
          assert.equal(error.code, want.error, error.message);
          for (const part of want.messageIncludes ?? [])
            assert.ok(error.message.includes(part), error.message);
          for (const part of want.messageExcludes ?? [])
            assert.ok(!error.message.includes(part), error.message);
          for (const part of want.hintIncludes ?? []) assert.ok(error.hint?.includes(part), error.hint);
          return true;
        },
      );
    });
  }
});

const BASE_INPUT: ResolveInput = {
  profile: "base",
  configText: "[profile base]\nregion = eu-west-1\n",
  configFile: "/c/config",
  credentialsText: "",
  credentialsFile: "/c/credentials",
  storedKeys: new Set(["base"]),
  env: {},
  flags: {},
};

describe("resolvePlan purity", () => {
  it("ignores the real process environment and reads only the env it is handed", () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = "ap-northeast-1";
    try {
      assert.equal(resolvePlan(BASE_INPUT).region, "eu-west-1");
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it("returns the same plan for the same input", () => {
    assert.deepEqual(resolvePlan(BASE_INPUT), resolvePlan(BASE_INPUT));
  });

  it("keeps a __proto__ session tag as plain data without touching any prototype", () => {
    const plan = resolvePlan({
      ...BASE_INPUT,
      profile: "prod",
      configText:
        "[profile base]\n[profile prod]\nsource_profile = base\nrole_arn = arn:aws:iam::333333333333:role/admin\nsession_tags = __proto__=x\n",
    });
    const step = plan.steps[1];
    assert.ok(step?.type === "AssumeRole");
    assert.deepEqual(Object.keys(step.sessionTags), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it("rejects a --region flag that is not a region name as a usage error", () => {
    assert.throws(
      () => resolvePlan({ ...BASE_INPUT, flags: { region: "Frankfurt" } }),
      (error: unknown) => isVswError(error, "VSW_USAGE"),
    );
  });

  it("rejects a --duration below 15 minutes for a keys profile as a usage error", () => {
    assert.throws(
      () => resolvePlan({ ...BASE_INPUT, flags: { durationSeconds: 60 } }),
      (error: unknown) => isVswError(error, "VSW_USAGE"),
    );
  });
});

describe("defaultSessionName", () => {
  it("prefixes the user name with vsw-", () => {
    assert.equal(defaultSessionName("alice"), "vsw-alice");
  });

  it("falls back to vsw-session without a user name", () => {
    assert.equal(defaultSessionName(undefined), "vsw-session");
  });

  it("falls back to vsw-session when no character of the user name is usable", () => {
    assert.equal(defaultSessionName("日本"), "vsw-session");
  });

  it("keeps the name within the 64 characters STS accepts", () => {
    assert.equal(defaultSessionName("a".repeat(100)).length, 64);
  });

  it("gives an ASCII name (its ICU-free shortcut) what the full Unicode rule gives", () => {
    const full = (user: string) =>
      `vsw-${
        user
          .normalize("NFKD")
          .replace(/\p{M}/gu, "")
          .replace(/[^\w+=,.@-]+/g, "-")
          .replace(/^-+|-+$/g, "") || "session"
      }`.slice(0, 64);
    for (const user of ["alice", "-a-", "---", "-", "a.b@c", "x+y=z,w", "_", "a".repeat(70), "José", "a b"]) {
      assert.equal(defaultSessionName(user), full(user), user);
    }
  });
});
