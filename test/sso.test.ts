/**
 * IAM Identity Center end to end: the built `vsw`, the real AWS SDK for JavaScript (vsw's clients
 * and its own `fromSSO` provider) and the real AWS CLI v2, against the emulator's SSO-OIDC, portal
 * and STS APIs. One token cache for both tools, in both directions.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { ROOT, run, runVsw, VSW } from "./helpers/harness.js";
import {
  cliDataPath,
  readToken,
  runApproving,
  type SsoWorld,
  startSsoWorld,
  vswApproving,
  writeToken,
} from "./helpers/sso-world.js";

const AWS_CLI = "/usr/bin/aws";

async function inSsoWorld(fn: (w: SsoWorld) => Promise<void>, extraConfig = ""): Promise<void> {
  const w = await startSsoWorld(extraConfig);
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

/** `vsw export PROFILE --format json` without a terminal; the parsed document. */
async function exportJson(w: SsoWorld, profile: string, env = w.home.env) {
  const r = await runVsw(["export", profile, "--format", "json"], { env, detached: true });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { AccessKeyId: string; Expiration: string };
}

async function login(w: SsoWorld, args = ["--session", "corp"]) {
  const r = await vswApproving(w, ["sso", "login", ...args, "--no-browser"]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** The AWS CLI v2 pointed at the emulator (AWS_DATA_PATH), or a skip when it is missing. */
function cliEnv(t: TestContext, w: SsoWorld): NodeJS.ProcessEnv | undefined {
  if (!existsSync(AWS_CLI)) {
    if (process.env.CI === "true") throw new Error(`${AWS_CLI} is required under CI=true`);
    t.skip("the AWS CLI v2 (/usr/bin/aws, Debian's awscli) is not installed");
    return undefined;
  }
  return {
    ...w.home.env,
    AWS_DATA_PATH: cliDataPath(join(w.home.dir, "aws-data"), w.emu.url),
    AWS_PAGER: "",
  };
}

const actions = (w: SsoWorld) => w.emu.calls.map((c) => `${c.action} ${c.status}`);

describe("IAM Identity Center profiles", () => {
  test("vsw plan shows the SSO step and the role chained from it", async () => {
    await inSsoWorld(async (w) => {
      const r = await runVsw(["plan", "deploy"], { env: w.home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1\. step +sso-admin +IAM Identity Center role Admin in 333333333333 \(corp\)/);
      assert.match(
        r.stdout,
        /2\. role +deploy +AssumeRole arn:aws:iam::555555555555:role\/deploy +1h \(chained/,
      );
      assert.equal(w.emu.calls.length, 0, "vsw plan calls nothing");
    });
  });

  test("without a cached token and without a terminal, the error names the sign-in command", async () => {
    const legacy = `
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444444444444
sso_role_name = Admin
`;
    await inSsoWorld(async (w) => {
      const r = await runVsw(["export", "deploy"], { env: w.home.env, detached: true });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /No IAM Identity Center sign-in is cached for sso-session "corp" \(profile "sso-admin"\)\. \(VSW_SSO_LOGIN_REQUIRED\)/,
      );
      assert.match(r.stderr, /hint: Run "vsw sso login --session corp"/);
      const old = await runVsw(["export", "legacy"], { env: w.home.env, detached: true });
      assert.match(old.stderr, /start URL https:\/\/legacy\.awsapps\.com\/start.*\(VSW_SSO_LOGIN_REQUIRED\)/);
      assert.match(old.stderr, /hint: Run "vsw sso login legacy"/);
      assert.equal(w.emu.calls.length, 0);
    }, legacy);
  });

  test("a profile naming a missing sso-session is a configuration error", async () => {
    await inSsoWorld(async (w) => {
      const r = await runVsw(["plan", "broken"], { env: w.home.env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /names sso_session "nope", which has no \[sso-session nope\] section\. \(VSW_SSO_CONFIG_INVALID\)/,
      );
    }, "\n[profile broken]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = x\n");
  });
});

describe("vsw sso login and the shared token cache", () => {
  test("vsw sso login writes the AWS CLI's token file privately, and a switch then needs no sign-in", async () => {
    await inSsoWorld(async (w) => {
      const r = await login(w);
      assert.match(r.stderr, /https:\/\/corp\.awsapps\.com\/start\/#\/device\?user_code=[B-Z]{4}-[B-Z]{4}/);
      assert.match(r.stderr, /the code: [B-Z]{4}-[B-Z]{4}/);
      const token = readToken(w);
      assert.equal(token.startUrl, "https://corp.awsapps.com/start");
      assert.equal(token.region, "eu-west-1");
      assert.match(String(token.expiresAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      for (const field of [
        "accessToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
      ]) {
        assert.equal(typeof token[field], "string", field);
      }
      assert.equal(statSync(w.tokenFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(w.home.dir, ".aws", "sso", "cache")).mode & 0o777, 0o700);
      assert.ok(!(r.stdout + r.stderr).includes(token.accessToken as string), "the token is never printed");

      w.emu.resetCalls();
      const creds = await exportJson(w, "sso-admin");
      assert.deepEqual(actions(w), ["GetRoleCredentials 200"]);
      assert.match(
        w.emu.session(creds.AccessKeyId)?.arn ?? "",
        /^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_Admin_[0-9a-f]+\/tester$/,
      );
      // The role credentials are cached in the keystore like every session.
      const again = await exportJson(w, "sso-admin");
      assert.equal(again.AccessKeyId, creds.AccessKeyId);
      assert.equal(w.emu.calls.length, 1, "a cached role session calls nothing");
    });
  });

  test("a role whose source_profile is an SSO profile is assumed with the SSO role credentials", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      w.emu.resetCalls();
      const creds = await exportJson(w, "deploy");
      assert.deepEqual(actions(w), ["GetRoleCredentials 200", "AssumeRole 200"]);
      assert.match(w.emu.calls[1]?.callerArn ?? "", /assumed-role\/AWSReservedSSO_Admin_/);
      assert.match(
        w.emu.session(creds.AccessKeyId)?.arn ?? "",
        /^arn:aws:sts::555555555555:assumed-role\/deploy\//,
      );
    });
  });

  test("the AWS SDK for JavaScript's own fromSSO uses the token vsw wrote", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      w.emu.resetCalls();
      const script = `
        import { fromSSO } from "@aws-sdk/credential-provider-sso";
        const c = await fromSSO({ profile: "sso-admin" })();
        process.stdout.write(c.accessKeyId);
      `;
      const r = await run(process.execPath, ["--input-type=module", "-e", script], {
        env: w.home.env,
        cwd: ROOT,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(actions(w), ["GetRoleCredentials 200"], "no sign-in: the cached token is used");
      assert.match(w.emu.session(r.stdout)?.arn ?? "", /AWSReservedSSO_Admin_/);
    });
  });

  test("after vsw sso login, the AWS CLI v2 uses the same token", async (t) => {
    await inSsoWorld(async (w) => {
      const env = cliEnv(t, w);
      if (!env) return;
      await login(w);
      w.emu.resetCalls();
      const r = await run(AWS_CLI, ["sts", "get-caller-identity", "--profile", "sso-admin"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        JSON.parse(r.stdout).Arn,
        /^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_Admin_/,
      );
      assert.deepEqual(actions(w), ["GetRoleCredentials 200", "GetCallerIdentity 200"]);
    });
  });

  test("the client registration is shared too: neither tool registers again after the other signed in", async (t) => {
    await inSsoWorld(async (w) => {
      const env = cliEnv(t, w);
      if (!env) return;
      await login(w);
      w.emu.resetCalls();
      const cli = await runApproving(
        w.emu,
        AWS_CLI,
        ["sso", "login", "--sso-session", "corp", "--no-browser"],
        env,
      );
      assert.equal(cli.code, 0, cli.stderr);
      assert.ok(!actions(w).includes("RegisterClient 200"), "the AWS CLI reused vsw's registration");
      w.emu.resetCalls();
      await login(w);
      assert.ok(!actions(w).includes("RegisterClient 200"), "vsw reused the registration in the CLI's token");
    });
  });

  test("after aws sso login (the AWS CLI v2), vsw switches with no second sign-in", async (t) => {
    await inSsoWorld(async (w) => {
      const env = cliEnv(t, w);
      if (!env) return;
      const cli = await runApproving(
        w.emu,
        AWS_CLI,
        ["sso", "login", "--profile", "sso-admin", "--no-browser"],
        env,
      );
      assert.equal(cli.code, 0, cli.stderr);
      assert.ok(cli.userCode, "the CLI printed a code");
      w.emu.resetCalls();
      const creds = await exportJson(w, "deploy");
      assert.deepEqual(actions(w), ["GetRoleCredentials 200", "AssumeRole 200"]);
      assert.match(w.emu.session(creds.AccessKeyId)?.arn ?? "", /555555555555:assumed-role\/deploy\//);
    });
  });

  test("the legacy form (sso_start_url in the profile) shares the token keyed by the start URL, with the AWS CLI too", async (t) => {
    const legacy = `
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444444444444
sso_role_name = Admin
`;
    await inSsoWorld(async (w) => {
      const r = await vswApproving(w, ["sso", "login", "legacy", "--no-browser"]);
      assert.equal(r.code, 0, r.stderr);
      const file = join(
        w.home.dir,
        ".aws",
        "sso",
        "cache",
        `${createHash("sha1").update("https://legacy.awsapps.com/start").digest("hex")}.json`,
      );
      const token = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
      assert.equal(token.startUrl, "https://legacy.awsapps.com/start");
      assert.equal(token.region, "us-east-1");
      assert.equal(token.refreshToken, undefined, "no scopes, no refresh token");
      const creds = await exportJson(w, "legacy");
      assert.match(
        w.emu.session(creds.AccessKeyId)?.arn ?? "",
        /^arn:aws:sts::444444444444:assumed-role\/AWSReservedSSO_Admin_/,
      );
      const env = cliEnv(t, w);
      if (!env) return;
      w.emu.resetCalls();
      const cli = await run(AWS_CLI, ["sts", "get-caller-identity", "--profile", "legacy"], { env });
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(actions(w), ["GetRoleCredentials 200", "GetCallerIdentity 200"]);
    }, legacy);
  });

  test("an expired token is refreshed with its refresh token, and the cache file updated", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      const before = readToken(w);
      writeToken(w, { ...before, expiresAt: "2020-01-01T00:00:00Z" });
      w.emu.resetCalls();
      await exportJson(w, "sso-admin");
      assert.deepEqual(actions(w), ["CreateToken 200", "GetRoleCredentials 200"]);
      const after = readToken(w);
      assert.notEqual(after.accessToken, before.accessToken);
      assert.notEqual(after.refreshToken, before.refreshToken, "refresh tokens rotate");
      assert.ok(Date.parse(after.expiresAt as string) > Date.now() + 3600_000);
      assert.equal(statSync(w.tokenFile).mode & 0o777, 0o600);
    });
  });

  test("a token IAM Identity Center refuses (expired on its clock) is refreshed once and the switch goes on", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      w.emu.clock.advance(9 * 3600); // past the 8 h access token, not the refresh token
      w.emu.resetCalls();
      await exportJson(w, "sso-admin");
      assert.deepEqual(actions(w), ["GetRoleCredentials 401", "CreateToken 200", "GetRoleCredentials 200"]);
    });
  });

  test("an expired token that cannot be refreshed asks for a sign-in (no terminal: the error)", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      const { refreshToken: _, ...token } = readToken(w);
      writeToken(w, { ...token, expiresAt: "2020-01-01T00:00:00Z" });
      const r = await runVsw(["export", "sso-admin"], { env: w.home.env, detached: true });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /The IAM Identity Center sign-in for sso-session "corp" has expired \(profile "sso-admin"\)\. \(VSW_SSO_LOGIN_REQUIRED\)/,
      );
    });
  });

  test("a role the user is not assigned is VSW_SSO_FORBIDDEN", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      const r = await runVsw(["export", "nope"], { env: w.home.env, detached: true });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /does not let you use role "Billing" in account 444444444444 \(profile "nope"\)\. \(VSW_SSO_FORBIDDEN\)/,
      );
    }, "\n[profile nope]\nsso_session = corp\nsso_account_id = 444444444444\nsso_role_name = Billing\n");
  });

  test("a sign-in denied in the browser is VSW_SSO_LOGIN_DENIED and leaves no token", async () => {
    await inSsoWorld(async (w) => {
      const r = await runApproving(
        w.emu,
        process.execPath,
        [VSW, "sso", "login", "sso-admin", "--no-browser"],
        w.home.env,
        { deny: true },
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_SSO_LOGIN_DENIED\)/);
      assert.ok(!existsSync(w.tokenFile));
    });
  });

  test("polling too fast is answered with slow_down, and vsw waits 5 s more between polls from then on", async () => {
    await inSsoWorld(async (w) => {
      w.emu.sso.settings.enforcedInterval = 2; // advertises 1 s, enforces 2 s
      const started = Date.now();
      const r = await runApproving(
        w.emu,
        process.execPath,
        [VSW, "sso", "login", "--session", "corp", "--no-browser"],
        w.home.env,
        { delayMs: 2500 },
      );
      assert.equal(r.code, 0, r.stderr);
      const polls = w.emu.calls.filter((c) => c.action === "CreateToken").map((c) => c.errorCode ?? "ok");
      assert.deepEqual(polls, ["AuthorizationPendingException", "SlowDownException", "ok"]);
      // Polls at 1 s and 2 s, then 1 + 5 s later (RFC 8628 §3.5).
      assert.ok(Date.now() - started >= 7500, `took ${Date.now() - started} ms`);
    });
  });

  test("a device code that expires before it is approved is VSW_SSO_LOGIN_EXPIRED", async () => {
    await inSsoWorld(async (w) => {
      w.emu.sso.settings.deviceCodeSeconds = 2;
      const r = await runVsw(["sso", "login", "--session", "corp", "--no-browser"], {
        env: w.home.env,
        detached: true,
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /The sign-in code for sso-session "corp" expired before it was approved\. \(VSW_SSO_LOGIN_EXPIRED\)/,
      );
      assert.ok(!existsSync(w.tokenFile));
    });
  });

  test("vsw sso logout ends the session at IAM Identity Center and forgets the token and role sessions", async () => {
    await inSsoWorld(async (w) => {
      await login(w);
      await exportJson(w, "sso-admin");
      const token = readToken(w).accessToken as string;
      w.emu.resetCalls();
      const r = await runVsw(["sso", "logout"], { env: w.home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Signed out of 1 IAM Identity Center sign-in\./);
      assert.deepEqual(actions(w), ["Logout 200"]);
      assert.equal(w.emu.sso.isLive(token), false);
      assert.ok(!existsSync(w.tokenFile));
      const after = await runVsw(["export", "sso-admin"], { env: w.home.env, detached: true });
      assert.match(after.stderr, /\(VSW_SSO_LOGIN_REQUIRED\)/, "the cached role session went too");
    });
  });

  test("a cached SSO role session loads no SDK", async (t) => {
    const strace = spawnSync("sh", ["-c", "command -v strace"], { encoding: "utf8" }).stdout.trim();
    if (!strace) {
      if (process.env.CI === "true") throw new Error("strace is required under CI=true");
      t.skip("strace is not installed");
      return;
    }
    await inSsoWorld(async (w) => {
      await login(w);
      await exportJson(w, "deploy");
      const log = join(w.home.dir, "strace.log");
      const r = spawnSync(
        strace,
        ["-f", "-e", "trace=openat", "-o", log, process.execPath, VSW, "export", "deploy", "--format", "env"],
        {
          env: w.home.env,
          encoding: "utf8",
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const opened = readFileSync(log, "utf8");
      assert.match(opened, /dist\/vsw-hot\.cjs/);
      assert.doesNotMatch(opened, /openat\([^)]*(@aws-sdk|vendor)[^)]*\) = \d/);
    });
  });
});

describe("signing in during a switch", () => {
  test("on a terminal, a switch without a token runs the sign-in itself and goes on", async (t) => {
    const script = spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" }).stdout.trim();
    if (!script) {
      if (process.env.CI === "true") throw new Error("script (util-linux) is required under CI=true");
      t.skip("script (util-linux) is not installed");
      return;
    }
    await inSsoWorld(async (w) => {
      // `script` gives vsw a pseudo-terminal as its controlling terminal; the prompt goes there.
      const command = `${process.execPath} ${VSW} export deploy --format json`;
      const r = await runApproving(w.emu, script, ["-qec", command, "/dev/null"], {
        ...w.home.env,
        PATH: "/usr/bin:/bin", // no xdg-open from elsewhere: nothing to open in a test
      });
      assert.equal(r.code, 0, "vsw export succeeded on the terminal");
      assert.ok(r.userCode, "the code was shown on the terminal");
      assert.ok(
        /Sign in to IAM Identity Center \(sso-session "corp"\)/.test(r.stdout),
        "the sign-in was shown",
      );
      // Not assert.match: its failure message would print the session's secrets.
      assert.ok(/"AccessKeyId":"ASIA/.test(r.stdout), "the credentials were printed");
      assert.deepEqual(
        actions(w).filter((a) => !a.startsWith("CreateToken 400")),
        [
          "RegisterClient 200",
          "StartDeviceAuthorization 200",
          "CreateToken 200",
          "GetRoleCredentials 200",
          "AssumeRole 200",
        ],
      );
      assert.ok(existsSync(w.tokenFile), "the token is cached for the AWS CLI too");
    });
  });
});
