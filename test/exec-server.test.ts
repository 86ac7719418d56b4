/**
 * `vsw exec --server`: the built `vsw` runs a credentials server (ECS container protocol) for a
 * child, and the real AWS SDK for JavaScript, boto3 and the AWS CLI v2 keep calling the in-repo STS
 * emulator through it across a session expiry (the emulator's clock is moved).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type TestContext, test } from "node:test";
import {
  addBaseKeys,
  type Home,
  MFA_SECRET,
  makeHome,
  ROOT,
  requireTool,
  run,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";

const MFA_PROCESS = `node --import tsx ${join(ROOT, "examples", "totp-mfa.mjs")}`;

/** A world whose `base` answers MFA through mfa_process, counting each ask. */
async function setup(): Promise<{ world: World; home: Home; asked(): number; done(): Promise<void> }> {
  const world = await startWorld();
  const home = makeHome({ VSW_DEMO_TOTP_SECRET: MFA_SECRET });
  const mfaLog = join(home.dir, "mfa.log");
  home.env.VSW_DEMO_MFA_LOG = mfaLog;
  home.writeConfig(
    world.config.replace("[profile base]\n", `[profile base]\nmfa_process = ${MFA_PROCESS}\n`),
  );
  await addBaseKeys(home, world);
  return {
    world,
    home,
    asked: () => (existsSync(mfaLog) ? readFileSync(mfaLog, "utf8").split("\n").filter(Boolean).length : 0),
    async done() {
      await world.emu.close();
      home.cleanup();
    },
  };
}

/** `vsw exec --server PROFILE -- CMD` started in the background, talked to one line at a time. */
interface Served {
  child: ChildProcess;
  /** Writes `line` to the command's stdin and resolves with the next line it prints. */
  ask(line?: string): Promise<string>;
  stderr(): string;
  /** Closes stdin and resolves with the exit code and signal once vsw has exited. */
  end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: string[], env: NodeJS.ProcessEnv): Served {
  const child = spawn(process.execPath, [VSW, "exec", "--server", ...args], {
    env,
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    async ask(line = "go") {
      child.stdin?.write(`${line}\n`);
      const next = await lines.next();
      assert.ok(!next.done, `the command ended early; vsw said: ${stderr}`);
      return next.value;
    },
    stderr: () => stderr,
    end() {
      child.stdin?.end();
      return exited;
    },
  };
}

/** A line from a child, as JSON. */
function parsed(line: string): { ok: boolean; arn?: string; error?: string } {
  return JSON.parse(line) as { ok: boolean; arn?: string; error?: string };
}

/** Node with @aws-sdk/client-sts: one GetCallerIdentity per line read (STS from AWS_ENDPOINT_URL_STS). */
const NODE_CHILD = `
import { createInterface } from "node:readline";
const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
const sts = new STSClient({ region: "eu-west-1" });
for await (const _ of createInterface({ input: process.stdin })) {
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    console.log(JSON.stringify({ ok: true, arn: out.Arn }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, error: String(error) }));
  }
}`;

/** boto3 1.26 ignores AWS_ENDPOINT_URL*: the emulator's URL is passed explicitly. */
const PYTHON_CHILD = `
import json, os, sys, boto3
sts = boto3.client("sts", region_name="eu-west-1", endpoint_url=os.environ["EMU"])
for _ in sys.stdin:
    try:
        print(json.dumps({"ok": True, "arn": sts.get_caller_identity()["Arn"]}), flush=True)
    except Exception as error:
        print(json.dumps({"ok": False, "error": repr(error)}), flush=True)
`;

/** The AWS CLI v2 (not the v1 first on PATH): a new process per call, as a shell loop makes them. */
const CLI_CHILD = `
while read -r _; do
  if arn=$(/usr/bin/aws sts get-caller-identity --endpoint-url "$EMU" --region eu-west-1 --output text --query Arn); then
    printf '{"ok":true,"arn":"%s"}\\n' "$arn"
  else
    printf '{"ok":false}\\n'
  fi
done`;

/** Whether boto3 imports here; skips (or fails under CI) otherwise. */
async function requireBoto3(t: TestContext): Promise<boolean> {
  if (!requireTool(t, "/usr/bin/python3")) return false;
  const probe = await run("/usr/bin/python3", ["-c", "import boto3"], { env: { PATH: process.env.PATH } });
  if (probe.code === 0) return true;
  if (process.env.CI === "true")
    assert.fail("boto3 is required under CI=true (.ci/run installs python3-boto3)");
  t.skip("boto3 is not installed (.ci/run installs python3-boto3)");
  return false;
}

/**
 * A session's end, in the SDKs' own rhythm: the first session has 3 minutes left (the emulator's
 * clock is 57 minutes behind when it is issued), so a call made with it makes every SDK ask the
 * server again (the JS SDK in the background, boto3 before the call, the CLI on every run). The
 * clock then moves 59 minutes (the session still has one minute at STS; the server mints the next),
 * then 2 more: the first session is expired at STS, and three more calls must work — with MFA
 * asked once (the 8 h MFA session is reused for every new role session).
 */
async function acrossExpiry(command: string[]): Promise<void> {
  const { world, home, asked, done } = await setup();
  try {
    world.emu.clock.advance(-57 * 60);
    const served = serve(["dev", "--", ...command], {
      ...home.env,
      EMU: world.emu.url,
      AWS_ENDPOINT_URL_STS: world.emu.url,
    });
    const first = parsed(await served.ask());
    assert.ok(first.ok, `${first.error} ${served.stderr()}`);
    assert.match(first.arn ?? "", /^arn:aws:sts::222222222222:assumed-role\/dev\//);
    const firstKey = world.emu.calls.filter((c) => c.action === "GetCallerIdentity").at(-1)?.accessKeyId;
    // The JS SDK may already refresh in the background after the first call: let that land first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    world.emu.clock.advance(59 * 60);
    const mark = world.emu.calls.length;
    const second = parsed(await served.ask());
    assert.ok(second.ok, `call 2 failed: ${second.error} ${served.stderr()}`);
    // The JS SDK fetches in the background after this call: wait for the server's mint to land.
    await until(() => world.emu.calls.slice(mark).some((c) => c.action === "AssumeRole" && c.status === 200));
    await new Promise((resolve) => setTimeout(resolve, 300));
    world.emu.clock.advance(2 * 60);
    const expired = world.emu.session(firstKey ?? "");
    assert.ok(
      expired && expired.expiration.getTime() < world.emu.clock.nowMs(),
      "the first session is expired at STS",
    );
    for (let i = 0; i < 3; i++) {
      const next = parsed(await served.ask());
      assert.ok(next.ok, `call ${i + 3} failed: ${next.error} ${served.stderr()}`);
      assert.match(next.arn ?? "", /assumed-role\/dev\//);
    }
    const identity = world.emu.calls.filter((c) => c.action === "GetCallerIdentity");
    assert.deepEqual(
      identity.map((c) => c.status),
      [200, 200, 200, 200, 200],
    );
    const lastKey = identity.at(-1)?.accessKeyId;
    assert.notEqual(lastKey, firstKey, "the calls after the expiry use a new session");
    const last = world.emu.session(lastKey ?? "");
    assert.ok(last && last.expiration.getTime() > world.emu.clock.nowMs());
    assert.equal(world.emu.successCount("GetSessionToken"), 1);
    assert.equal(asked(), 1, "MFA asked once");
    const { code } = await served.end();
    assert.equal(code, 0, served.stderr());
  } finally {
    await done();
  }
}

/** Waits (up to 10 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), "timed out waiting");
}

test("a Node child with @aws-sdk/client-sts keeps calling STS across a session expiry", async () => {
  await acrossExpiry([process.execPath, "--input-type=module", "-e", NODE_CHILD]);
});

test("a boto3 child keeps calling STS across a session expiry", async (t) => {
  if (!(await requireBoto3(t))) return;
  await acrossExpiry(["/usr/bin/python3", "-c", PYTHON_CHILD]);
});

test("the AWS CLI v2 keeps calling STS across a session expiry", async (t) => {
  if (!requireTool(t, "/usr/bin/aws")) return;
  await acrossExpiry(["bash", "-c", CLI_CHILD]);
});

/**
 * A child that talks to the server itself, one command a line: `env` (what it inherited, never a
 * value of a secret), `fetch MODE` (no token, a wrong one, a shorter one, the right one, a POST),
 * `burst N` (N requests at once), `exit N`, `kill SIGNAL`.
 */
const PROBE = `
import { createInterface } from "node:readline";
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? "";
const headers = {
  none: {},
  wrong: { Authorization: token.replace(/./g, (c) => (c === "A" ? "B" : "A")) },
  short: { Authorization: token.slice(0, 8) },
  right: { Authorization: token },
  post: { Authorization: token },
};
async function get(mode) {
  const response = await fetch(url, { method: mode === "post" ? "POST" : "GET", headers: headers[mode] });
  const body = await response.json();
  return { status: response.status, keys: Object.keys(body).sort(), body };
}
for await (const line of createInterface({ input: process.stdin })) {
  const [word, arg] = line.split(" ");
  if (word === "env") {
    const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_CREDENTIAL_EXPIRATION"];
    console.log(JSON.stringify({ present: names.filter((n) => process.env[n] !== undefined), url, tokenLength: token.length, region: process.env.AWS_REGION, profile: process.env.VSW_PROFILE }));
  } else if (word === "fetch") {
    const { status, keys, body } = await get(arg);
    console.log(JSON.stringify({ status, keys, code: body.Code, message: body.Message, expiration: body.Expiration, keyId: body.AccessKeyId }));
  } else if (word === "burst") {
    const all = await Promise.all(Array.from({ length: Number(arg) }, () => get("right")));
    console.log(JSON.stringify({ statuses: [...new Set(all.map((a) => a.status))], keyIds: new Set(all.map((a) => a.body.AccessKeyId)).size }));
  } else if (word === "exit") {
    process.exit(Number(arg));
  } else if (word === "kill") {
    process.kill(process.pid, arg);
  }
}`;

/** `vsw exec --server dev` running PROBE, with the emulator's clock `offsetMinutes` off when it starts. */
async function probe(
  fn: (p: Served, world: World, home: Home) => Promise<void>,
  options: { offsetMinutes?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const { world, home, done } = await setup();
  try {
    world.emu.clock.advance((options.offsetMinutes ?? 0) * 60);
    const served = serve(["dev", "--", process.execPath, "--input-type=module", "-e", PROBE], {
      ...home.env,
      ...options.env,
    });
    await fn(served, world, home);
  } finally {
    await done();
  }
}

/** Whether something accepts TCP connections at `url`. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("the command gets the server's URL on 127.0.0.1 and a token, and no static keys, even inherited ones", async () => {
  await probe(
    async (p) => {
      const env = JSON.parse(await p.ask("env")) as {
        present: string[];
        url: string;
        tokenLength: number;
        region: string;
      };
      assert.deepEqual(env.present, []);
      assert.match(env.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.ok(env.tokenLength >= 32);
      assert.equal(env.region, "eu-west-1");
      assert.match(
        p.stderr(),
        /AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment are not passed to the command/,
      );
      await p.end();
    },
    {
      env: {
        AWS_ACCESS_KEY_ID: "AKIAINHERITED0000000",
        AWS_SECRET_ACCESS_KEY: "inherited",
        AWS_PROFILE: "other",
      },
    },
  );
});

test("a request without the token, with a wrong one or a shorter one is refused with 403", async () => {
  await probe(async (p) => {
    for (const mode of ["none", "wrong", "short"]) {
      const r = JSON.parse(await p.ask(`fetch ${mode}`)) as { status: number; keyId?: string; code: string };
      assert.equal(r.status, 403, mode);
      assert.equal(r.keyId, undefined);
      assert.equal(r.code, "VSW_SERVER_FORBIDDEN");
    }
    await p.end();
  });
});

test("the server answers the JSON the SDKs read: AccessKeyId, SecretAccessKey, Token, Expiration in RFC 3339", async () => {
  await probe(async (p, world) => {
    const r = JSON.parse(await p.ask("fetch right")) as {
      status: number;
      keys: string[];
      expiration: string;
      keyId: string;
    };
    assert.equal(r.status, 200);
    assert.deepEqual(r.keys, ["AccessKeyId", "AccountId", "Expiration", "SecretAccessKey", "Token"]);
    assert.match(r.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(world.emu.session(r.keyId)?.kind, "assumed-role");
    assert.equal(JSON.parse(await p.ask("fetch post")).status, 405);
    await p.end();
  });
});

test("requests that arrive while a session is minted share that one mint", async () => {
  // The session handed out at the start has 3 minutes left: the next request mints.
  await probe(
    async (p, world) => {
      await p.ask("env"); // the server is up: the session of the start is minted
      const before = world.emu.successCount("AssumeRole");
      const r = JSON.parse(await p.ask("burst 8")) as { statuses: number[]; keyIds: number };
      assert.deepEqual(r.statuses, [200]);
      assert.equal(r.keyIds, 1);
      assert.equal(world.emu.successCount("AssumeRole") - before, 1);
      await p.end();
    },
    { offsetMinutes: -57 },
  );
});

test("a failure to mint is a 500 with the error's code and message, and one vsw line on stderr", async () => {
  await probe(
    async (p, _world, home) => {
      await p.ask("env"); // the server is up, with the session of the start
      // The role disappears from the config's point of view: the next mint is refused by STS.
      home.writeConfig(readFileSync(home.configFile, "utf8").replace("role/dev", "role/gone"));
      const r = JSON.parse(await p.ask("fetch right")) as { status: number; code: string; message: string };
      assert.equal(r.status, 500);
      assert.equal(r.code, "VSW_STS_ACCESS_DENIED");
      assert.match(r.message, /role\/gone/);
      assert.match(p.stderr(), /^vsw: .*role\/gone.* \(VSW_STS_ACCESS_DENIED\)$/m);
      await p.end();
    },
    { offsetMinutes: -57 },
  );
});

test("the command's exit code is vsw's, and the server's port is closed once it exits", async () => {
  await probe(async (p) => {
    const { url } = JSON.parse(await p.ask("env")) as { url: string };
    assert.ok(await listening(url));
    p.child.stdin?.write("exit 7\n");
    const { code } = await p.end();
    assert.equal(code, 7);
    assert.equal(await listening(url), false);
  });
});

test("a command killed by a signal ends vsw by the same signal, the server stopped", async () => {
  await probe(async (p) => {
    const { url } = JSON.parse(await p.ask("env")) as { url: string };
    p.child.stdin?.write("kill SIGTERM\n");
    const { signal } = await p.end();
    assert.equal(signal, "SIGTERM");
    assert.equal(await listening(url), false);
  });
});

test("--ec2-server stays unsupported, and --server refuses to serve long-lived keys", async () => {
  const { world, home, done } = await setup();
  try {
    const ec2 = await runVsw(["exec", "dev", "--ec2-server", "--", "true"], { env: home.env });
    assert.equal(ec2.code, 1);
    assert.match(ec2.stderr, /"vsw exec --ec2-server" is not supported yet.*\(VSW_NOT_SUPPORTED\)/);
    const keys = await runVsw(["exec", "--server", "base", "--no-session", "--", "true"], { env: home.env });
    assert.equal(keys.code, 1);
    assert.match(keys.stderr, /long-lived keys.*\(VSW_NOT_SUPPORTED\)/);
    void world;
  } finally {
    await done();
  }
});

test("--server and --ecs-server are on vsw exec --help and offered by completion", async () => {
  const home = makeHome();
  try {
    const help = await runVsw(["exec", "--help"], { env: home.env });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--server\s+Give the command a local credentials server/);
    assert.match(help.stdout, /--ecs-server/);
    assert.doesNotMatch(help.stdout, /--ec2-server/);
    const complete = await runVsw(["__complete", "--", "exec", "dev", "--s"], { env: home.env });
    assert.equal(complete.code, 0, complete.stderr);
    assert.match(complete.stdout, /^--server\b/m);
  } finally {
    home.cleanup();
  }
});

test("boto3 shows the code and message of a failed mint that the server answered with", async (t) => {
  if (!(await requireBoto3(t))) return;
  const { world, home, done } = await setup();
  try {
    // Sessions with 3 minutes left: boto3 asks the server before each call.
    world.emu.clock.advance(-57 * 60);
    const served = serve(["dev", "--", "/usr/bin/python3", "-c", PYTHON_CHILD], {
      ...home.env,
      EMU: world.emu.url,
    });
    assert.ok(parsed(await served.ask()).ok, served.stderr());
    home.writeConfig(readFileSync(home.configFile, "utf8").replace("role/dev", "role/gone"));
    const failed = parsed(await served.ask());
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? "", /500.*VSW_STS_ACCESS_DENIED.*role\/gone/);
    await served.end();
  } finally {
    await done();
  }
});
