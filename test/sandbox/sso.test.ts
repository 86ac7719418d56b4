/**
 * The emulator's IAM Identity Center on the wire, as AWS answers: the SSO-OIDC device flow and its
 * OAuth errors, refresh-token rotation, the portal's bearer checks and pagination, and role
 * credentials that its STS accepts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type StsEmulator, startStsEmulator } from "../../src/sandbox/index.js";

const START_URL = "https://corp.awsapps.com/start";

async function post(emu: StsEmulator, path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get("x-amzn-errortype"), json: text ? JSON.parse(text) : {} };
}

async function get(emu: StsEmulator, path: string, token: string) {
  const r = await fetch(`${emu.url}${path}`, { headers: { "x-amz-sso_bearer_token": token } });
  return { status: r.status, type: r.headers.get("x-amzn-errortype"), json: JSON.parse(await r.text()) };
}

describe("the emulator's IAM Identity Center", () => {
  let emu: StsEmulator;
  before(async () => {
    emu = await startStsEmulator();
    emu.sso.assign({ accountId: "111111111111", accountName: "one", roleName: "Admin" });
    emu.sso.assign({ accountId: "222222222222", accountName: "two", roleName: "Admin" });
    emu.sso.assign({ accountId: "333333333333", accountName: "three", roleName: "Admin" });
  });
  after(() => emu.close());

  async function client(scopes?: string[]) {
    const r = await post(emu, "/client/register", {
      clientName: "t",
      clientType: "public",
      ...(scopes ? { scopes } : {}),
    });
    assert.equal(r.status, 200);
    return r.json as { clientId: string; clientSecret: string };
  }

  async function device(c: { clientId: string; clientSecret: string }) {
    const r = await post(emu, "/device_authorization", { ...c, startUrl: START_URL });
    assert.equal(r.status, 200);
    return r.json as { deviceCode: string; userCode: string; interval: number };
  }

  test("the device flow answers authorization_pending, then slow_down when polled too fast, then a token once approved", async () => {
    const c = await client(["sso:account:access"]);
    const d = await device(c);
    const grant = {
      ...c,
      grantType: "urn:ietf:params:oauth:grant-type:device_code",
      deviceCode: d.deviceCode,
    };
    const pending = await post(emu, "/token", grant);
    assert.deepEqual(
      [pending.status, pending.type, pending.json.error],
      [400, "AuthorizationPendingException", "authorization_pending"],
    );
    const fast = await post(emu, "/token", grant);
    assert.deepEqual([fast.status, fast.json.error], [400, "slow_down"]);
    emu.sso.approve(d.userCode);
    const ok = await post(emu, "/token", grant);
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.json.refreshToken, "string", "scoped clients get a refresh token");
    const again = await post(emu, "/token", grant);
    assert.equal(again.json.error, "invalid_grant", "a device code is used once");
  });

  test("a device code expires on the virtual clock", async () => {
    const c = await client();
    const d = await device(c);
    emu.clock.advance(601);
    try {
      const r = await post(emu, "/token", {
        ...c,
        grantType: "urn:ietf:params:oauth:grant-type:device_code",
        deviceCode: d.deviceCode,
      });
      assert.deepEqual([r.type, r.json.error], ["ExpiredTokenException", "expired_token"]);
    } finally {
      emu.clock.advance(-601);
    }
  });

  test("refresh tokens rotate, unscoped clients get none, and the portal pages and checks the bearer", async () => {
    const plain = await client();
    const pd = await device(plain);
    emu.sso.approve(pd.userCode);
    await new Promise((r) => setTimeout(r, 1000));
    const unscoped = await post(emu, "/token", {
      ...plain,
      grantType: "urn:ietf:params:oauth:grant-type:device_code",
      deviceCode: pd.deviceCode,
    });
    assert.equal(unscoped.json.refreshToken, undefined);

    const c = await client(["sso:account:access"]);
    const d = await device(c);
    emu.sso.approve(d.userCode);
    await new Promise((r) => setTimeout(r, 1000));
    const first = await post(emu, "/token", {
      ...c,
      grantType: "urn:ietf:params:oauth:grant-type:device_code",
      deviceCode: d.deviceCode,
    });
    const refreshed = await post(emu, "/token", {
      ...c,
      grantType: "refresh_token",
      refreshToken: first.json.refreshToken,
    });
    assert.equal(refreshed.status, 200);
    const reused = await post(emu, "/token", {
      ...c,
      grantType: "refresh_token",
      refreshToken: first.json.refreshToken,
    });
    assert.equal(reused.json.error, "invalid_grant");

    const token = refreshed.json.accessToken as string;
    const p1 = await get(emu, "/assignment/accounts?max_result=2", token);
    assert.equal(p1.json.accountList.length, 2);
    const p2 = await get(emu, `/assignment/accounts?max_result=2&next_token=${p1.json.nextToken}`, token);
    assert.deepEqual(
      p2.json.accountList.map((a: { accountName: string }) => a.accountName),
      ["three"],
    );
    assert.equal(p2.json.nextToken, undefined);
    const bad = await get(emu, "/assignment/accounts", "not-a-token");
    assert.deepEqual([bad.status, bad.type], [401, "UnauthorizedException"]);
    const creds = await get(emu, "/federation/credentials?account_id=222222222222&role_name=Admin", token);
    assert.equal(creds.status, 200);
    assert.match(
      emu.session(creds.json.roleCredentials.accessKeyId)?.arn ?? "",
      /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_Admin_/,
    );
    const forbidden = await get(emu, "/federation/credentials?account_id=222222222222&role_name=Nope", token);
    assert.deepEqual([forbidden.status, forbidden.type], [403, "ForbiddenException"]);

    const out = await post(emu, "/logout", {}, { "x-amz-sso_bearer_token": token });
    assert.equal(out.status, 200);
    assert.equal((await get(emu, "/assignment/accounts", token)).status, 401, "a logged-out token is dead");
  });
});
