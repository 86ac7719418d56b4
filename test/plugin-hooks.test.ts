/**
 * The extension points of issue 8 item 2 in-process: the `plan` waterfall (a plugin's own step
 * kinds), the `authorize` policy hook (before any secret read, MFA code or STS call), `shutdown`
 * and the child-environment secrets plugins declare. An in-memory keystore and a fake session
 * plugin stand in for the file keystore and STS; the built-in stored-keys source and session cache
 * are the real ones. End-to-end runs through the built `vsw` are in plugin-hooks-cli.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { renderPlan } from "../src/cli/commands/plan.js";
import { planFor, resolveCredentials } from "../src/core/pipeline.js";
import { createVsw, type Vsw } from "../src/core/vsw.js";
import { type Credentials, type Plan, type PluginStep, STAGE_POLICY, VswError } from "../src/plugin.js";
import { keystoreCache } from "../src/plugins/cache/keystore-cache.js";
import { storedKeysSource } from "../src/plugins/source/stored-keys.js";
import { type MemoryKeystore, memoryKeystore } from "./helpers/memory-keystore.js";

const SERIAL = "arn:aws:iam::111111111111:mfa/me";
const CONFIG = `[profile base]
mfa_serial = ${SERIAL}

[profile dev]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/dev
mfa_serial = ${SERIAL}

[profile plain]
`;

/** An in-memory keystore holding keys for `base` and `plain`. */
function keystoreWithKeys(): MemoryKeystore {
  const store = memoryKeystore();
  const keys = JSON.stringify({
    accessKeyId: "AKIAEXAMPLEBASE00001",
    secretAccessKey: "base-secret",
    addedAt: 0,
  });
  store.items.set("keys/base", { value: keys });
  store.items.set("keys/plain", { value: keys });
  return store;
}

// The mint lock of an MFA step is an inter-process lock: its files go to a throwaway directory.
const lockDir = mkdtempSync(join(tmpdir(), "vsw-hooks-locks-"));
after(() => rmSync(lockDir, { recursive: true, force: true }));

/** A core with the config above, the memory keystore, counting MFA and session fakes. */
function makeCore() {
  const store = keystoreWithKeys();
  const calls = { mfa: 0, session: 0 };
  const vsw = createVsw({ env: { VSW_LOCK_DIR: lockDir }, keystore: "memory", now: () => 1_000_000 });
  vsw.use({
    name: "test-world",
    apply(v) {
      v.hooks.loadConfig.tap("test-world", (input) => ({
        ...input,
        configText: CONFIG,
        configFile: "config",
      }));
      v.hooks.keystore.tap("test-world", ({ name }) => (name === "memory" ? store.keystore : undefined));
      v.hooks.mfaToken.tapPromise("test-world", async () => {
        calls.mfa++;
        return "123456";
      });
      v.hooks.session.tapPromise("test-world", async ({ step }) => {
        if (step.type.includes(":")) return undefined;
        calls.session++;
        return session(`ASIA${step.type.toUpperCase()}`);
      });
    },
  });
  vsw.use(storedKeysSource());
  vsw.use(keystoreCache());
  return { vsw, store, calls };
}

function session(accessKeyId: string): Credentials {
  return { accessKeyId, secretAccessKey: "s", sessionToken: "t", expiration: 1_000_000 + 3600_000 };
}

/** A plugin tapping `authorize` with `decide`. */
function policy(vsw: Vsw, decide: (plan: Readonly<Plan>) => void): void {
  vsw.use({
    name: "acme-policy",
    apply(v) {
      v.hooks.authorize.tap({ name: "acme-policy", stage: STAGE_POLICY }, ({ plan }) => decide(plan));
    },
  });
}

describe("authorize hook", () => {
  test("a refusal keeps the plugin's own code and message, and nothing was read, asked or minted", async () => {
    const { vsw, store, calls } = makeCore();
    policy(vsw, () => {
      throw new VswError("ACME_POLICY_DENIED", 'Profile "dev" is closed on weekends.');
    });
    await assert.rejects(resolveCredentials(vsw, "dev"), (error: VswError) => {
      assert.equal(error.code, "ACME_POLICY_DENIED");
      assert.equal(error.message, 'Profile "dev" is closed on weekends.');
      assert.deepEqual(error.origin, { plugin: "acme-policy", hook: "authorize" });
      return true;
    });
    assert.deepEqual({ reads: store.reads, ...calls }, { reads: [], mfa: 0, session: 0 });
    assert.deepEqual([...store.items.keys()].sort(), ["keys/base", "keys/plain"]);
  });

  test("a branded error from another copy of vsw/plugin keeps its code", async () => {
    const { vsw } = makeCore();
    policy(vsw, () => {
      // What a plugin bundling its own copy of vsw/plugin throws: another class, the same brand.
      const foreign = Object.assign(new Error("Denied by Acme."), { code: "ACME_DENIED" });
      Object.defineProperty(foreign, Symbol.for("vsw.error"), { value: true });
      throw foreign;
    });
    await assert.rejects(resolveCredentials(vsw, "dev"), { code: "ACME_DENIED", message: "Denied by Acme." });
  });

  test("a tap that fails with a plain error refuses too, as VSW_PLUGIN_ERROR naming the plugin", async () => {
    const { vsw, calls } = makeCore();
    policy(vsw, () => {
      throw new TypeError("cannot read the policy file");
    });
    await assert.rejects(resolveCredentials(vsw, "dev"), (error: VswError) => {
      assert.equal(error.code, "VSW_PLUGIN_ERROR");
      assert.match(error.message, /"acme-policy" failed in hook "authorize"/);
      return true;
    });
    assert.equal(calls.mfa + calls.session, 0);
  });

  test("it sees the plan after the plan waterfall, and allowing by returning lets the chain run", async () => {
    const { vsw, calls } = makeCore();
    let seen: string[] = [];
    vsw.use({
      name: "acme-reason",
      apply(v) {
        v.hooks.plan.tap("acme-reason", (plan) => ({
          ...plan,
          steps: plan.steps.map((step) =>
            step.type === "AssumeRole" ? { ...step, sourceIdentity: "ticket-42" } : step,
          ) as Plan["steps"],
        }));
      },
    });
    policy(vsw, (plan) => {
      seen = plan.steps.map((step) => (step.type === "AssumeRole" ? `${step.sourceIdentity}` : step.type));
    });
    const resolved = await resolveCredentials(vsw, "dev");
    assert.deepEqual(seen, ["keys", "GetSessionToken", "ticket-42"]);
    assert.deepEqual(
      { key: resolved.credentials.accessKeyId, ...calls },
      { key: "ASIAASSUMEROLE", mfa: 1, session: 2 },
    );
  });
});

/** A plugin that swaps `plain`'s stored keys for its own broker step. */
function broker(vsw: Vsw, step: Partial<PluginStep> = {}): { answered: string[] } {
  const answered: string[] = [];
  vsw.use({
    name: "acme-broker",
    apply(v) {
      v.hooks.plan.tap("acme-broker", (plan) => {
        if (plan.profile !== "plain") return plan;
        const own: PluginStep = {
          type: "acme-broker:token",
          profile: "plain",
          label: "Acme broker token",
          ...step,
        };
        return { ...plan, steps: [own] };
      });
      v.hooks.sourceCredentials.tapPromise("acme-broker", async (request) => {
        if (request.step.type !== "acme-broker:token") return undefined;
        answered.push(request.step.profile);
        return session("ASIABROKER");
      });
    },
  });
  return { answered };
}

describe("plan hook", () => {
  test("a plugin's own step kind is run by that plugin's tap, not by the built-ins", async () => {
    const { vsw, store } = makeCore();
    const { answered } = broker(vsw);
    const resolved = await resolveCredentials(vsw, "plain");
    assert.deepEqual(
      { key: resolved.credentials.accessKeyId, answered, reads: store.reads },
      { key: "ASIABROKER", answered: ["plain"], reads: ["session/acme-broker:token/plain/-"] },
    );
  });

  test("a plan tap that returns the plan it was given leaves the resolver's steps as they were", async () => {
    const { vsw } = makeCore();
    broker(vsw);
    const plan = await planFor(vsw, "dev");
    assert.deepEqual(
      plan.steps.map((step) => step.type),
      ["keys", "GetSessionToken", "AssumeRole"],
    );
  });

  test("vsw plan prints a plugin's step by the label it carries", async () => {
    const { vsw } = makeCore();
    broker(vsw);
    const text = renderPlan(await planFor(vsw, "plain"), () => undefined, 0);
    assert.match(text, /1\. step {5}plain {3}Acme broker token\n/);
  });

  test("a plugin step without a namespaced type is VSW_PLAN_INVALID", async () => {
    const { vsw } = makeCore();
    broker(vsw, { type: "token" as PluginStep["type"] });
    await assert.rejects(planFor(vsw, "plain"), { code: "VSW_PLAN_INVALID" });
  });

  test("a plugin step without a label is VSW_PLAN_INVALID", async () => {
    const { vsw } = makeCore();
    broker(vsw, { label: undefined as unknown as string });
    await assert.rejects(planFor(vsw, "plain"), { code: "VSW_PLAN_INVALID" });
  });
});
