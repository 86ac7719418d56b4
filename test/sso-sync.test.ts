/**
 * `vsw sso sync`: one profile per account and role the token reaches, in a marked block of the AWS
 * config file; hand-written lines around it stay byte for byte, and a second run changes nothing.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { describe, test } from "node:test";
import { runVsw } from "./helpers/harness.js";
import { type SsoWorld, startSsoWorld, vswApproving } from "./helpers/sso-world.js";

async function signedIn(): Promise<SsoWorld> {
  const w = await startSsoWorld();
  const r = await vswApproving(w, ["sso", "login", "--session", "corp", "--no-browser"]);
  assert.equal(r.code, 0, r.stderr);
  return w;
}

const BEFORE = "# my own notes, above the block\n# keep = me\n";
const BELOW = "# written by hand after the first sync\n[profile later]\nregion = eu-north-1\n";
const AFTER =
  "\n# hand-written, below the block ; with = odd spacing  \n[profile mine]\nregion = us-west-2\n";

/** The file without the block: what sync must never touch. */
function outside(text: string): string {
  return text.replace(/# BEGIN vsw sso sync corp\n[\s\S]*?# END vsw sso sync corp\n/, "<block>");
}

describe("vsw sso sync", () => {
  test("writes every account and role (all pages) into a block, keeps the lines around it, and a rerun is a no-op", async () => {
    const w = await signedIn();
    try {
      w.emu.sso.settings.pageSize = 1; // every list answer is one item and a nextToken
      const original = `${BEFORE}${w.config}${AFTER}`;
      writeFileSync(w.home.configFile, original, { mode: 0o644 });
      const first = await runVsw(["sso", "sync", "--session", "corp"], { env: w.home.env, detached: true });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Updated .*config: 3 profiles of sso-session "corp"\./);
      // Appended after one blank line; then the user writes around it by hand.
      assert.equal(outside(readFileSync(w.home.configFile, "utf8")), `${original}\n<block>`);
      writeFileSync(w.home.configFile, `${readFileSync(w.home.configFile, "utf8")}${BELOW}`);
      const once = readFileSync(w.home.configFile, "utf8");
      assert.equal(
        outside(once),
        `${original}\n<block>${BELOW}`,
        "lines outside the block are kept byte for byte",
      );
      assert.match(
        once,
        /\[profile Corp-Prod\/Admin\]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Admin\nregion = eu-west-1\n/,
      );
      assert.match(once, /\[profile Corp-Prod\/ReadOnly\]/);
      assert.match(once, /\[profile sandbox\/Admin\]\nsso_session = corp\nsso_account_id = 444444444444/);
      assert.equal(statSync(w.home.configFile).mode & 0o777, 0o600);
      const listed = w.emu.calls.filter(
        (c) => c.action === "ListAccounts" || c.action === "ListAccountRoles",
      );
      assert.ok(listed.length >= 5, `paginated: ${listed.length} list calls`);

      const inode = statSync(w.home.configFile).ino;
      w.emu.resetCalls();
      const second = await runVsw(["sso", "sync", "--session", "corp"], { env: w.home.env, detached: true });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /is up to date: 3 profiles/);
      assert.equal(readFileSync(w.home.configFile, "utf8"), once, "byte for byte the same");
      assert.equal(statSync(w.home.configFile).ino, inode, "not even rewritten");

      // A synced profile is a profile like any other.
      const plan = await runVsw(["plan", "sandbox/Admin"], { env: w.home.env });
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /IAM Identity Center role Admin in 444444444444 \(corp\)/);
    } finally {
      await w.close();
    }
  });

  test("a changed assignment replaces the block in place; a hand-written profile of the same name wins", async () => {
    const w = await signedIn();
    try {
      const handWritten = "[profile sandbox/Admin]\nregion = ap-south-1\n";
      writeFileSync(w.home.configFile, `${w.config}\n${handWritten}`);
      const first = await runVsw(["sso", "sync", "--template", "{account_id}.{role_name}"], {
        env: w.home.env,
        detached: true,
      });
      assert.equal(first.code, 0, first.stderr);
      const once = readFileSync(w.home.configFile, "utf8");
      assert.match(once, /\[profile 444444444444\.Admin\]/);
      w.emu.sso.assign({ accountId: "666666666666", accountName: "new", roleName: "Dev" });
      const second = await runVsw(["sso", "sync", "--template", "{account_name}/{role_name}"], {
        env: w.home.env,
        detached: true,
      });
      assert.equal(second.code, 0, second.stderr);
      assert.match(
        second.stderr,
        /Profile "sandbox\/Admin" is already in .* outside the sync block; it was left as it is\./,
      );
      const twice = readFileSync(w.home.configFile, "utf8");
      assert.equal(outside(twice), outside(once), "only the block changed");
      assert.match(twice, /\[profile new\/Dev\]/);
      assert.doesNotMatch(twice, /444444444444\.Admin/);
      assert.equal(twice.match(/\[profile sandbox\/Admin\]/g)?.length, 1);
      assert.equal(twice.match(/# BEGIN vsw sso sync corp/g)?.length, 1);
    } finally {
      await w.close();
    }
  });

  test("without a token and a terminal, sync names the sign-in command and leaves the file alone", async () => {
    const w = await startSsoWorld();
    try {
      const r = await runVsw(["sso", "sync"], { env: w.home.env, detached: true });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_SSO_LOGIN_REQUIRED\)\nhint: Run "vsw sso login --session corp"/);
      assert.equal(readFileSync(w.home.configFile, "utf8"), w.config);
    } finally {
      await w.close();
    }
  });

  test("an unknown action is a usage error", async () => {
    const w = await startSsoWorld();
    try {
      const r = await runVsw(["sso", "frobnicate"], { env: w.home.env });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /vsw sso does not know "frobnicate"\. \(VSW_USAGE\)/);
    } finally {
      await w.close();
    }
  });
});

describe("the sso command's help and completion", () => {
  test("vsw --help lists it, vsw sso --help describes it, and completion offers its actions", async () => {
    const w = await startSsoWorld();
    try {
      const help = await runVsw(["--help"], { env: w.home.env });
      assert.match(help.stdout, /vsw sso \[args\.\.\] +IAM Identity Center/);
      const own = await runVsw(["sso", "--help"], { env: w.home.env });
      assert.equal(own.code, 0);
      assert.match(own.stdout, /--session/);
      assert.match(own.stdout, /--template/);
      assert.match(own.stdout, /vsw sso sync --session corp/);
      const actions = await runVsw(["__complete", "--", "sso", ""], { env: w.home.env });
      assert.deepEqual(actions.stdout.trim().split("\n").slice(1), ["login", "logout", "sync"]);
      const word = await runVsw(["__complete", "--", "ss"], { env: w.home.env });
      assert.match(word.stdout, /^sso\t/m);
    } finally {
      await w.close();
    }
  });
});
