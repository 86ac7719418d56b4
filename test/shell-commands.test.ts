/**
 * The binary's side of the shell integration: `vsw init`, `vsw off` and `vsw pick` without a
 * terminal, run from the built bundle.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { initShell, rcLine, wrapperPath } from "../src/cli/commands/init.js";
import { isVswError } from "../src/core/errors.js";
import { renderShell } from "../src/plugins/format/shell-quote.js";
import { SWITCH_VARIABLES } from "../src/plugins/format/variables.js";
import { type Home, ROOT, requireTool, run, runVsw, VSW } from "./helpers/harness.js";
import { shellHome } from "./shell-support.js";

let home: Home;
before(() => {
  home = shellHome();
  home.writeConfig("[profile dev]\nregion = eu-west-1\n");
});
after(() => home?.cleanup());

describe("vsw init", () => {
  for (const shell of ["bash", "zsh", "fish"] as const) {
    test(`vsw init ${shell} prints one source line naming the ${shell} wrapper next to the bundle`, async () => {
      const result = await runVsw(["init", shell], { env: home.env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `source '${join(ROOT, "shell", `vsw.${shell}`)}'\n`);
    });
  }

  test("Without a shell named, vsw init takes the basename of $SHELL", async () => {
    const result = await runVsw(["init"], { env: { ...home.env, SHELL: "/usr/bin/zsh" } });
    assert.equal(result.stdout, `source '${join(ROOT, "shell", "vsw.zsh")}'\n`);
  });

  test("vsw init refuses a shell without a wrapper as a usage error", async () => {
    const result = await runVsw(["init"], { env: { ...home.env, SHELL: "/bin/tcsh" } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /VSW_USAGE/);
    assert.throws(
      () => initShell("tcsh", undefined),
      (error) => isVswError(error, "VSW_USAGE"),
    );
  });

  test("The rc line quotes any path so that no character of it runs", () => {
    assert.equal(rcLine("bash", "/a b/it's/$(x)/vsw.bash"), "source '/a b/it'\\''s/$(x)/vsw.bash'");
    assert.equal(rcLine("fish", "/a b/it's/\\/vsw.fish"), "source '/a b/it\\'s/\\\\/vsw.fish'");
  });

  test("From a checkout, the wrappers are found beside src/", () => {
    for (const shell of ["bash", "zsh", "fish"] as const) assert.ok(existsSync(wrapperPath(shell)));
  });
});

describe("vsw off", () => {
  for (const shell of ["bash", "zsh", "sh", "fish", "pwsh"] as const) {
    test(`vsw off --shell ${shell} prints the code that unsets exactly the switch variables`, async () => {
      const result = await runVsw(["off", "--shell", shell], { env: home.env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, renderShell(shell, SWITCH_VARIABLES, []));
    });
  }

  test("Switch code starts with the line each wrapper checks before it evaluates anything", () => {
    // The wrappers evaluate only output that starts so (shell/vsw.*: __vsw_eval).
    for (const shell of ["bash", "zsh"] as const) {
      assert.ok(renderShell(shell, SWITCH_VARIABLES, []).startsWith("unset AWS_ACCESS_KEY_ID "));
    }
    assert.ok(renderShell("fish", SWITCH_VARIABLES, []).startsWith("set -e -g AWS_ACCESS_KEY_ID "));
  });

  test("Without --shell, vsw off speaks the shell of $SHELL", async () => {
    const result = await runVsw(["off"], { env: { ...home.env, SHELL: "/usr/bin/fish" } });
    assert.match(result.stdout, /^set -e -g AWS_ACCESS_KEY_ID /);
  });
});

describe("vsw pick", () => {
  test("Without a terminal, vsw pick fails with VSW_NO_TTY and prints nothing on stdout", async (t) => {
    if (!requireTool(t, "setsid")) return;
    // setsid: a new session has no controlling terminal, whatever the test runner has.
    const result = await run("setsid", ["-w", process.execPath, VSW, "pick"], { env: home.env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /VSW_NO_TTY/);
  });

  test("With no profile at all, vsw pick says so before looking for a terminal", async () => {
    const empty = shellHome();
    try {
      const result = await runVsw(["pick"], { env: empty.env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /VSW_PROFILE_NOT_FOUND/);
    } finally {
      empty.cleanup();
    }
  });
});
