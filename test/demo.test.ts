import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, run } from "./helpers/harness.js";

test("the README's demo runs end to end: MFA once, and no STS call for a cached switch", async () => {
  const r = await run(process.execPath, ["--import", "tsx", join(ROOT, "examples", "demo.ts")], {
    env: { PATH: process.env.PATH },
    cwd: ROOT,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /MFA was asked 1 time\(s\) for two roles/);
  assert.match(r.stdout, /STS calls for the cached switch: 0/);
  assert.match(r.stdout, /assumed-role\/prod\/vsw-demo/);
});
