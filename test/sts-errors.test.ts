/**
 * STS failures as a user reads them: what failed, where (the endpoint), and what to do — never the
 * SDK's internals. Against the in-repo emulator and plain local sockets.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  closeWorld,
  type Home,
  MFA_SERIAL,
  makeHome,
  runVsw,
  type World,
  worldWithHome,
} from "./helpers/harness.js";

/** A port nothing listens on: a server is started, its port taken, and it is closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function addKeys(home: Home): Promise<void> {
  const r = await runVsw(["add", "solo", "--env"], {
    env: { ...home.env, AWS_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA", AWS_SECRET_ACCESS_KEY: "a".repeat(40) },
  });
  assert.equal(r.code, 0, r.stderr);
}

describe("an STS endpoint that is down", () => {
  let home: Home;
  let url: string;
  before(async () => {
    home = makeHome();
    url = `http://127.0.0.1:${await closedPort()}`;
    await addKeys(home);
  });
  after(() => home.cleanup());

  test("is named with ECONNREFUSED", async () => {
    home.writeConfig(`[profile solo]\nendpoint_url = ${url}\n`);
    const r = await runVsw(["env", "solo"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_STS_UNREACHABLE\)/);
    assert.ok(r.stderr.includes(url), r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
  });

  test("is found before an MFA code is asked for", async () => {
    const marker = join(home.dir, "asked");
    const script = join(home.dir, "mfa.sh");
    writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\necho 123456\n`, { mode: 0o755 });
    home.writeConfig(
      `[profile solo]\nendpoint_url = ${url}\nmfa_serial = ${MFA_SERIAL}\nmfa_process = ${script}\n`,
    );
    const r = await runVsw(["env", "solo"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_STS_UNREACHABLE\)/);
    assert.equal(existsSync(marker), false, "mfa_process was not run");
  });
});

describe("an endpoint that is not STS", () => {
  let home: Home;
  let server: Server;
  let url: string;
  before(async () => {
    home = makeHome();
    server = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><body>Not Found</body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home.writeConfig(`[profile solo]\nendpoint_url = ${url}\n`);
    await addKeys(home);
  });
  after(async () => {
    home.cleanup();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("says what answered, without the SDK's internals", async () => {
    const r = await runVsw(["env", "solo"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_STS_ERROR\)/);
    assert.ok(r.stderr.includes(url), r.stderr);
    assert.match(r.stderr, /404/);
    assert.doesNotMatch(r.stderr, /hidden field|\$response|Deserialization/);
    assert.match(r.stderr, /^hint: .*endpoint_url/m);
  });
});

describe("errors STS answers", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome());
  });
  after(() => closeWorld(world, home));

  test("a duration above the role's MaxSessionDuration has a hint", async () => {
    const r = await runVsw(["env", "dev", "--duration", "2h", "--mfa-token", world.code()], {
      env: home.env,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MaxSessionDuration.*\(VSW_STS_ERROR\)/);
    assert.match(r.stderr, /^hint: .*--duration/m);
  });

  test("an unexpected STS error names the endpoint and has a hint", async () => {
    world.emu.injectFault({ action: "GetSessionToken", kind: "server-error", times: 10 });
    try {
      const r = await runVsw(["env", "base", "--mfa-token", world.code()], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_STS_ERROR\)/);
      assert.ok(r.stderr.includes(world.emu.url), r.stderr);
      assert.match(r.stderr, /^hint: /m);
    } finally {
      world.emu.clearFaults();
    }
  });
});
