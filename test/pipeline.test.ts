/**
 * The pipeline (src/core/pipeline.ts) on its own: an in-memory keystore, a fake session plugin
 * and a counting MFA source drive it in milliseconds, beside the end-to-end tests (sessions.test.ts)
 * that run the same rules through the built `vsw`, the SDK and the STS emulator. The built-in
 * stored-keys source and session cache are the real ones: they only talk to the keystore.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { buildPlan, resolveCredentials } from "../src/core/pipeline.js";
import { createVsw, type Vsw } from "../src/core/vsw.js";
import { type Credentials, isVswError, STAGE_DEFAULT, STAGE_POLICY, VswError } from "../src/plugin.js";
import { keystoreCache } from "../src/plugins/cache/keystore-cache.js";
import { storedKeysSource } from "../src/plugins/source/stored-keys.js";
import { memoryKeystore } from "./helpers/memory-keystore.js";

const SERIAL = "arn:aws:iam::111111111111:mfa/me";
const CONFIG = `[profile base]
mfa_serial = ${SERIAL}

[profile dev]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/dev
mfa_serial = ${SERIAL}

[profile prod]
source_profile = base
role_arn = arn:aws:iam::333333333333:role/prod
mfa_serial = ${SERIAL}
`;

interface StsCall {
  type: string;
  profile: string;
  parent: string;
  mfaToken: string | undefined;
  outcome: "ok" | "expired";
}

/**
 * A fake STS as a `session` plugin: each session gets a fresh key id, lives `durationSeconds` of
 * the fake clock, and is refused as `VSW_STS_EXPIRED` when minted from a key id in `revoked`.
 */
function fakeSts(clock: { now: number }) {
  const calls: StsCall[] = [];
  const revoked = new Set<string>();
  let minted = 0;
  let gate: Promise<void> | undefined;
  return {
    calls,
    revoked,
    /** Holds the next session call until the returned function is called. */
    hold(): () => void {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    plugin: {
      name: "fake-sts",
      apply(vsw: Vsw) {
        vsw.hooks.session.tapPromise({ name: "fake-sts", stage: STAGE_DEFAULT }, async (request) => {
          const { step, parent, mfaToken } = request;
          const call: StsCall = {
            type: step.type,
            profile: step.profile,
            parent: parent.accessKeyId,
            mfaToken,
            outcome: "ok",
          };
          calls.push(call);
          if (gate) {
            const wait = gate;
            gate = undefined;
            await wait;
          }
          if (revoked.has(parent.accessKeyId)) {
            call.outcome = "expired";
            throw new VswError("VSW_STS_EXPIRED", "The security token included in the request is expired.");
          }
          minted += 1;
          return {
            accessKeyId: `ASIA${step.type === "AssumeRole" ? "ROLE" : "USER"}${minted}`,
            secretAccessKey: `secret-${minted}`,
            sessionToken: `token-${minted}`,
            expiration:
              clock.now + Number((step as { durationSeconds?: number }).durationSeconds ?? 3600) * 1000,
          } satisfies Credentials;
        });
      },
    },
  };
}

/** A core with the in-memory keystore, the real stored-keys source and cache, the fake STS and a counting MFA source. */
function setup() {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = memoryKeystore();
  const sts = fakeSts(clock);
  const mfa: string[] = [];
  const warnings: string[] = [];
  const vsw = createVsw({
    env: { VSW_LOCK_DIR: lockDir },
    keystore: "memory",
    now: () => clock.now,
    warn: (l) => warnings.push(l),
  });
  vsw.use({
    name: "test-world",
    apply(core) {
      core.hooks.loadConfig.tapPromise("test-world", async (input) => ({
        ...input,
        configText: CONFIG,
        configFile: "/test/config",
      }));
      core.hooks.keystore.tap("keystore-memory", ({ name }) =>
        name === "memory" ? store.keystore : undefined,
      );
      core.hooks.mfaToken.tapPromise("test-mfa", async (request) => {
        mfa.push(request.profile);
        return "123456";
      });
    },
  });
  vsw.use(storedKeysSource());
  vsw.use(keystoreCache());
  vsw.use(sts.plugin);
  store.items.set("keys/base", {
    value: JSON.stringify({ accessKeyId: "AKIABASE", secretAccessKey: "base-secret", addedAt: 0 }),
  });
  return { vsw, clock, store, sts, mfa, warnings };
}

// The core's own mint lock (lock files, per user) in a throwaway directory.
const lockDir = mkdtempSync(join(tmpdir(), "vsw-pipeline-locks-"));
after(() => rmSync(lockDir, { recursive: true, force: true }));

const summary = (calls: StsCall[]) => calls.map((c) => `${c.type} ${c.profile} ${c.outcome}`);

describe("pipeline", () => {
  test("MFA is asked once for two roles: the MFA'd GetSessionToken session is cached and feeds both", async () => {
    const { vsw, sts, mfa } = setup();
    const dev = await resolveCredentials(vsw, "dev");
    const prod = await resolveCredentials(vsw, "prod");
    assert.deepEqual(mfa, ["base"]);
    assert.deepEqual(summary(sts.calls), [
      "GetSessionToken base ok",
      "AssumeRole dev ok",
      "AssumeRole prod ok",
    ]);
    assert.equal(sts.calls[1]?.parent, sts.calls[2]?.parent);
    assert.notEqual(dev.credentials.accessKeyId, prod.credentials.accessKeyId);
  });

  test("a cached role session is a hit: no STS call, no MFA, the long-lived keys are not even read", async () => {
    const { vsw, sts, mfa, store } = setup();
    const first = await resolveCredentials(vsw, "dev");
    sts.calls.length = 0;
    store.reads.length = 0;
    const second = await resolveCredentials(vsw, "dev");
    assert.deepEqual(second.credentials, first.credentials);
    assert.deepEqual(sts.calls, []);
    assert.deepEqual(mfa, ["base"]);
    assert.ok(!store.reads.includes("keys/base"), store.reads.join(", "));
  });

  test("a role session near its end is minted again from the cached MFA session, without a new code", async () => {
    const { vsw, sts, mfa, clock } = setup();
    const first = await resolveCredentials(vsw, "dev");
    // The role session (1 h) now has 4 min left, under the default 5 min; the 8 h parent is fine.
    clock.now += 56 * 60_000;
    sts.calls.length = 0;
    const second = await resolveCredentials(vsw, "dev");
    assert.notEqual(second.credentials.accessKeyId, first.credentials.accessKeyId);
    assert.deepEqual(summary(sts.calls), ["AssumeRole dev ok"]);
    assert.deepEqual(mfa, ["base"]);
  });

  test("--min-remaining asks more of a cached session than the default 5 minutes", async () => {
    const { vsw, sts, clock } = setup();
    await resolveCredentials(vsw, "dev");
    clock.now += 30 * 60_000;
    sts.calls.length = 0;
    await resolveCredentials(vsw, "dev");
    assert.deepEqual(sts.calls, [], "30 min left is a hit by default");
    await resolveCredentials(vsw, "dev", { minRemainingSeconds: 45 * 60 });
    assert.deepEqual(summary(sts.calls), ["AssumeRole dev ok"]);
  });

  test("concurrent runs share one mint: the second waits on the lock and finds the first one's session", async () => {
    const { vsw, sts, mfa, store } = setup();
    const release = sts.hold();
    let sourceReads = 0;
    store.watch((name) => {
      // The second run has read the source keys: it missed the cache and is on its way to mint.
      if (name === "keys/base" && ++sourceReads === 2) setImmediate(release);
    });
    const [a, b] = await Promise.all([resolveCredentials(vsw, "dev"), resolveCredentials(vsw, "dev")]);
    assert.equal(sourceReads, 2, "both runs missed the cache before either minted");
    assert.deepEqual(mfa, ["base"]);
    assert.deepEqual(summary(sts.calls), ["GetSessionToken base ok", "AssumeRole dev ok"]);
    assert.deepEqual(a.credentials, b.credentials);
  });

  test("a cached parent rejected as expired by STS is dropped and the chain is minted anew, once", async () => {
    const { vsw, sts, mfa, warnings } = setup();
    await resolveCredentials(vsw, "dev");
    // STS revokes the cached GetSessionToken session (its first use after this fails).
    sts.revoked.add(sts.calls[1]?.parent as string);
    sts.calls.length = 0;
    const prod = await resolveCredentials(vsw, "prod");
    assert.deepEqual(summary(sts.calls), [
      "AssumeRole prod expired",
      "GetSessionToken base ok",
      "AssumeRole prod ok",
    ]);
    assert.deepEqual(mfa, ["base", "base"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /rejected as expired/);
    assert.ok(prod.credentials.sessionToken);
    // The new MFA session replaced the revoked one in the cache: the next role needs no code.
    await resolveCredentials(vsw, "dev", { minRemainingSeconds: 3600 });
    assert.deepEqual(mfa, ["base", "base"]);
  });

  test("a second expiry after the retry is reported, not retried again", async () => {
    const { vsw, sts } = setup();
    await resolveCredentials(vsw, "dev");
    // Every session minted from now on is refused as expired.
    const originalHas = sts.revoked.has.bind(sts.revoked);
    sts.revoked.has = (key: string) => key.startsWith("ASIA") || originalHas(key);
    sts.calls.length = 0;
    await assert.rejects(resolveCredentials(vsw, "prod"), (error: unknown) =>
      isVswError(error, "VSW_STS_EXPIRED"),
    );
    assert.deepEqual(summary(sts.calls), [
      "AssumeRole prod expired",
      "GetSessionToken base ok",
      "AssumeRole prod expired",
    ]);
  });

  test("a policy refusal in authorize keeps its code and message, and nothing is read, asked, called or cached", async () => {
    const { vsw, sts, mfa, store } = setup();
    vsw.use({
      name: "acme-policy",
      apply(core) {
        core.hooks.authorize.tapPromise({ name: "acme-policy", stage: STAGE_POLICY }, async (request) => {
          if (request.profile === "prod")
            throw new VswError("ACME_POLICY_DENIED", 'Profile "prod" is refused by the ACME policy.');
        });
      },
    });
    await assert.rejects(resolveCredentials(vsw, "prod"), (error: unknown) => {
      assert.ok(isVswError(error, "ACME_POLICY_DENIED"));
      assert.equal((error as Error).message, 'Profile "prod" is refused by the ACME policy.');
      return true;
    });
    assert.deepEqual(store.reads, [], "no secret was read");
    assert.deepEqual(mfa, []);
    assert.deepEqual(sts.calls, []);
    assert.deepEqual([...store.items.keys()], ["keys/base"], "nothing was cached");
    assert.ok(await resolveCredentials(vsw, "dev"), "another profile is not refused");
  });
});

describe("a source no plugin takes (ExternalSourceStep)", () => {
  const input = (configText: string, profile: string) => ({
    profile,
    configText,
    configFile: "/c",
    credentialsText: "",
    credentialsFile: "/k",
    storedKeys: new Set<string>(),
    env: {},
    flags: {},
  });
  const SSO =
    "[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Admin\n";

  for (const [name, body, key] of [
    ["sso", SSO, "sso_start_url"],
    [
      "ec2",
      "[profile ec2]\nrole_arn = arn:aws:iam::111111111111:role/x\ncredential_source = Ec2InstanceMetadata\n",
      "credential_source",
    ],
    [
      "wi",
      "[profile wi]\nrole_arn = arn:aws:iam::111111111111:role/x\nweb_identity_token_file = /t\n",
      "web_identity_token_file",
    ],
  ] as const) {
    test(`${key}: refused, naming the key, when no plugin replaces the step`, async () => {
      const vsw = createVsw({ env: {} });
      // A tap that changes nothing still leaves the step in place.
      vsw.hooks.plan.tap("bystander", (plan) => plan);
      for (const v of [createVsw({ env: {} }), vsw]) {
        await assert.rejects(buildPlan(v, input(body, name)), (error: unknown) => {
          assert.ok(isVswError(error));
          assert.equal(error.code, "VSW_CONFIG_UNSUPPORTED");
          assert.match(error.message, new RegExp(`${key}.*no loaded plugin supports`));
          return true;
        });
      }
    });
  }

  test("a plan tap that replaces it makes the plan valid", async () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.plan.tap("acme-sso", (plan) => ({
      ...plan,
      steps: [{ type: "acme-sso:role" as const, profile: plan.steps[0].profile, label: "Acme SSO" }],
    }));
    const plan = await buildPlan(vsw, input(SSO, "sso"));
    assert.equal(plan.steps[0].type, "acme-sso:role");
  });
});
