/**
 * `vsw login` end to end: the built `vsw`, the real AWS SDK and `fetch` against the emulator's STS
 * and its federation endpoint stand-in. The sign-in token in the URL decodes to the session that
 * was minted; the browser is a stand-in `xdg-open` on PATH.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { redirectPage } from "../src/plugins/login/browser.js";
import { decodeSigninToken } from "../src/sandbox/federation.js";
import { closeWorld, type Home, runVsw, type World, worldWithHome } from "./helpers/harness.js";

/** The parts of a printed login URL. */
function parseLogin(stdout: string): { url: URL; token: string; destination: string } {
  const lines = stdout.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, "one line: the URL");
  const url = new URL(lines[0] as string);
  return {
    url,
    token: url.searchParams.get("SigninToken") ?? "",
    destination: url.searchParams.get("Destination") ?? "",
  };
}

/** The URL the redirect page sends the browser to (browser.ts: `location.replace("…")`). */
function pageTarget(html: string): string {
  const match = /location\.replace\(("(?:[^"\\]|\\.)*")\)/.exec(html);
  assert.ok(match?.[1], "a redirect page");
  return JSON.parse(match[1]) as string;
}

describe("vsw login", () => {
  let world: World;
  let home: Home;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ({ world, home } = await worldWithHome());
    // No terminal prompt, ever: a test that needs a code passes --mfa-token.
    env = { ...home.env, VSW_FEDERATION_ENDPOINT: world.emu.url, VSW_NO_PROMPT: "1" };
  });
  after(async () => closeWorld(world, home));

  test("prints a sign-in URL whose token decodes to the role session that was minted", async () => {
    const r = await runVsw(["login", "dev", "--stdout", "--mfa-token", world.code()], { env });
    assert.equal(r.code, 0, r.stderr);
    const { url, token, destination } = parseLogin(r.stdout);
    assert.equal(`${url.origin}${url.pathname}`, `${world.emu.url}/federation`);
    assert.equal(url.searchParams.get("Action"), "login");
    assert.equal(url.searchParams.get("Issuer"), "vsw");
    assert.equal(destination, "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1");
    const { sessionId } = decodeSigninToken(token);
    const session = world.emu.session(sessionId);
    assert.equal(session?.kind, "assumed-role");
    assert.match(session?.arn ?? "", /^arn:aws:sts::222222222222:assumed-role\/dev\//);
    // The same session vsw hands out for dev (now cached): the one the token stands for.
    const exported = await runVsw(["export", "dev", "--format", "json"], { env });
    assert.equal(JSON.parse(exported.stdout).AccessKeyId, sessionId);
    assert.ok(!r.stderr.includes(token), "the token is not on stderr");
  });

  test("the printed URL signs in: the federation endpoint redirects to the console page", async () => {
    const r = await runVsw(["login", "dev", "--stdout"], { env });
    assert.equal(r.code, 0, r.stderr);
    const { url, destination } = parseLogin(r.stdout);
    const response = await fetch(url, { redirect: "manual" });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), destination);
  });

  test("a service and --region choose the console page and its region", async () => {
    const r = await runVsw(["login", "dev", "s3", "--region", "us-west-2", "--stdout"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      parseLogin(r.stdout).destination,
      "https://us-west-2.console.aws.amazon.com/s3/home?region=us-west-2",
    );
  });

  test("--path opens any console page", async () => {
    const r = await runVsw(["login", "dev", "--path", "/ec2/home#Instances", "--stdout"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      parseLogin(r.stdout).destination,
      "https://eu-west-1.console.aws.amazon.com/ec2/home#Instances?region=eu-west-1",
    );
  });

  test("--duration asks the role and the console session for that long; a chained role's console session is left alone", async () => {
    world.emu.resetCalls();
    const long = await runVsw(
      ["login", "prod", "--duration", "2h", "--stdout", "--mfa-token", world.code()],
      { env },
    );
    assert.equal(long.code, 0, long.stderr);
    const session = world.emu.session(decodeSigninToken(parseLogin(long.stdout).token).sessionId);
    assert.equal((session?.expiration.getTime() ?? 0) - (session?.issuedAt.getTime() ?? 0), 7200_000);
    assert.equal(world.emu.calls.find((c) => c.action === "getSigninToken")?.params.SessionDuration, "7200");
    world.emu.resetCalls();
    const chained = await runVsw(["login", "dev", "--duration", "30m", "--stdout"], { env });
    assert.equal(chained.code, 0, chained.stderr);
    assert.equal(
      world.emu.calls.find((c) => c.action === "getSigninToken")?.params.SessionDuration,
      undefined,
    );
  });

  test("an IAM user without a role signs in as a federated user, without MFA, and says so", async () => {
    world.emu.resetCalls();
    const r = await runVsw(["login", "base", "--stdout"], { env });
    assert.equal(r.code, 0, r.stderr);
    const { sessionId } = decodeSigninToken(parseLogin(r.stdout).token);
    const session = world.emu.session(sessionId);
    assert.equal(session?.kind, "federation-token");
    assert.equal(session?.arn, "arn:aws:sts::111111111111:federated-user/tester");
    assert.equal(session?.mfaAuthenticated, false);
    assert.match(r.stderr, /GetFederationToken/);
    assert.match(r.stderr, /carries no MFA/);
    const call = world.emu.calls.find((c) => c.action === "GetFederationToken");
    assert.equal(call?.accessKeyId, world.accessKeyId, "signed with the stored long-lived key");
    assert.equal(call?.tokenCode, false);
  });

  test("opens the URL with xdg-open from PATH through a private page, never as an argument", async () => {
    const bin = join(home.dir, "bin");
    mkdirSync(bin, { recursive: true });
    const out = join(home.dir, "opened.txt");
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\numask 077\nprintf '%s' "$*" > "${out}"\n`);
    chmodSync(join(bin, "xdg-open"), 0o755);
    const r = await runVsw(["login", "dev", "ec2"], { env: { ...env, PATH: `${bin}:${env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /opened the AWS console for "dev"/);
    // The opener's arguments (readable by every user, ps) are one path under XDG_RUNTIME_DIR.
    const argv = readFileSync(out, "utf8");
    assert.ok(!argv.includes("SigninToken") && !argv.includes("federation"), "the URL is no argument");
    const runtime = env.XDG_RUNTIME_DIR as string;
    assert.equal(argv, join(runtime, "vsw", "login", argv.split("/").at(-1) as string));
    assert.match(argv, /\/signin-[0-9a-f]{24}\.html$/);
    assert.equal(statSync(argv).mode & 0o777, 0o600);
    assert.equal(statSync(join(runtime, "vsw", "login")).mode & 0o777, 0o700);
    const { destination, token } = parseLogin(pageTarget(readFileSync(argv, "utf8")));
    assert.equal(destination, "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1");
    assert.ok(!r.stderr.includes(token));
  });

  test("$BROWSER wins over xdg-open", async () => {
    const bin = join(home.dir, "bin2");
    mkdirSync(bin, { recursive: true });
    const out = join(home.dir, "browser.txt");
    writeFileSync(join(bin, "my-browser"), `#!/bin/sh\ncat "$1" > "${out}"\n`);
    chmodSync(join(bin, "my-browser"), 0o755);
    const r = await runVsw(["login", "dev"], { env: { ...env, BROWSER: join(bin, "my-browser") } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(out));
    assert.match(pageTarget(readFileSync(out, "utf8")), /Action=login/);
  });

  test("no browser opener is VSW_BROWSER_FAILED with a hint for --stdout", async () => {
    const empty = join(home.dir, "empty-bin");
    mkdirSync(empty, { recursive: true });
    const r = await runVsw(["login", "dev"], { env: { ...env, PATH: empty } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No browser opener "xdg-open" was found\. \(VSW_BROWSER_FAILED\)/);
    assert.match(r.stderr, /--stdout/);
    assert.ok(!r.stderr.includes("SigninToken"));
  });

  test("a federation endpoint that is down is VSW_LOGIN_FAILED naming it", async () => {
    const r = await runVsw(["login", "dev", "--stdout"], {
      env: { ...env, VSW_FEDERATION_ENDPOINT: "http://127.0.0.1:9" },
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Could not reach the federation endpoint "http:\/\/127\.0\.0\.1:9"\. \(VSW_LOGIN_FAILED\)/,
    );
    assert.equal(r.stdout, "");
  });

  test("a session the federation endpoint refuses is VSW_LOGIN_FAILED, and no URL is printed", async () => {
    // The emulator's clock moves past the cached session's end; vsw still thinks it is good.
    world.emu.clock.advance(2 * 3600);
    try {
      const r = await runVsw(["login", "dev", "--stdout"], { env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused the session of "dev" \(HTTP 400\)\. \(VSW_LOGIN_FAILED\)/);
      assert.equal(r.stdout, "");
    } finally {
      world.emu.clock.reset();
    }
  });

  test("STS that cannot be reached for GetFederationToken is VSW_STS_UNREACHABLE", async () => {
    const r = await runVsw(["login", "base", "--stdout"], {
      env: { ...env, AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" },
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Could not reach http:\/\/127\.0\.0\.1:9 for the console sign-in of "base"\. \(VSW_STS_UNREACHABLE\)/,
    );
    assert.equal(r.stdout, "");
  });

  test("a plain-http federation endpoint elsewhere than loopback is refused before anything is sent", async () => {
    const r = await runVsw(["login", "dev", "--stdout"], {
      env: { ...env, VSW_FEDERATION_ENDPOINT: "http://signin.example.com" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /VSW_FEDERATION_ENDPOINT must be an https URL.*\(VSW_CONFIG_INVALID\)/);
  });

  test("a service and --path together are a usage error", async () => {
    const r = await runVsw(["login", "dev", "s3", "--path", "ec2/home", "--stdout"], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Give either a service or --path, not both\. \(VSW_USAGE\)/);
  });

  test("completes profiles, then console services", async () => {
    const names = async (...words: string[]) => {
      const r = await runVsw(["__complete", "--", ...words], { env });
      return r.stdout
        .split("\n")
        .slice(1)
        .map((l) => l.split("\t")[0]);
    };
    assert.ok((await names("")).includes("login"));
    assert.ok((await names("login", "")).includes("dev"));
    assert.ok((await names("login", "dev", "")).includes("s3"));
    assert.ok((await names("login", "dev", "--region", "")).includes("eu-west-1"));
  });
});

describe("vsw login without keys", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome({ keys: false }));
  });
  after(async () => closeWorld(world, home));

  test("a profile whose keys are not stored is VSW_KEYS_NOT_FOUND, and STS is not called", async () => {
    const r = await runVsw(["login", "base", "--stdout"], {
      env: { ...home.env, VSW_FEDERATION_ENDPOINT: world.emu.url },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no long-lived keys.*\(VSW_KEYS_NOT_FOUND\)/);
    assert.equal(world.emu.calls.length, 0);
  });
});

test("the redirect page holds any URL as data: no </script> or quote ends it early", () => {
  const url = "https://signin.example/federation?Action=login&x=</script><script>alert(1)</script>&q=\"'";
  const html = redirectPage(url);
  assert.equal(html.match(/<\/script>/g)?.length, 1, "only the page's own </script>");
  assert.equal(pageTarget(html), url);
  assert.match(
    html,
    /content="0;url=https:\/\/signin\.example\/federation\?Action=login&amp;x=&lt;\/script>/,
  );
});
