/**
 * What a switch hands the shell, in real shells: code for the shell that evaluates it (not
 * `$SHELL`), the user's own region and profile saved and given back by `vsw off`, the README's
 * config working with the AWS CLI, and the variables prompt tools (starship, powerlevel10k) read.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pickShell } from "../src/plugins/format/env.js";
import { SWITCH_VARIABLES } from "../src/plugins/format/variables.js";
import {
  addBaseKeys,
  type Home,
  MFA_SERIAL,
  ROOT,
  requireTool,
  run,
  runVsw,
  startWorld,
  type World,
} from "./helpers/harness.js";
import {
  type Install,
  installRcLine,
  makeInstall,
  runShell,
  shellEnv,
  shellHome,
  switchVariables,
  WRAPPED_SHELLS,
} from "./shell-support.js";

let world: World;
let install: Install;
let home: Home;

/** Credentials whose secret holds what only some quoting survives: a quote, a tab, ESC, a newline. */
const ODD_DOC = {
  Version: 1,
  AccessKeyId: "AKIAODDODDODDODD",
  SecretAccessKey: "it's\t\u001b[31m$(no)\nline",
  SessionToken: "tok'en",
  Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
};

/**
 * The README's example config (read from README.md, so the test follows the document), each
 * profile pointed at the emulator, plus credential_process profiles that need no STS.
 */
function readmeConfig(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = readme.match(/```ini\n(\s*\[profile base\][\s\S]*?)```/)?.[1];
  assert.ok(block, "README.md has the example config");
  const config = block
    .replace(/^ +/gm, "")
    .replace(/^\[profile .*\]$/gm, (header) => `${header}\nendpoint_url = ${world.emu.url}`);
  const doc = join(home.dir, "odd.json");
  writeFileSync(doc, JSON.stringify(ODD_DOC));
  return `${config}
[profile odd]
credential_process = cat '${doc}'

[profile odd-west]
credential_process = cat '${doc}'
region = us-west-1
`;
}

before(async () => {
  world = await startWorld();
  // The README's roles, trusting the world's MFA user.
  world.emu.createRole({
    account: "222222222222",
    name: "developer",
    trust: { principals: ["111111111111"], requireMfa: true },
  });
  world.emu.createRole({
    account: "333333333333",
    name: "admin",
    trust: { principals: ["111111111111"], requireMfa: true },
  });
  install = makeInstall();
  home = shellHome();
  home.writeConfig(readmeConfig());
  assert.match(readFileSync(home.configFile, "utf8"), new RegExp(`mfa_serial = ${MFA_SERIAL}`));
  await addBaseKeys(home, world);
  for (const shell of WRAPPED_SHELLS) await installRcLine(home, install, shell);
  // One MFA code: the base session is cached (8 h) and feeds both roles.
  const warm = await runVsw(["env", "dev", "--mfa-token", world.code()], {
    env: shellEnv(home, install),
  });
  assert.equal(warm.code, 0, warm.stderr);
});
after(async () => {
  await world?.emu.close();
  install?.cleanup();
  home?.cleanup();
});

/** Runs `script` with `program -c`, vsw on PATH, no rc file (bash reads ~/.bashrc on a socket stdin). */
function plain(program: string, script: string, extra: NodeJS.ProcessEnv = {}) {
  const noRc =
    program === "bash" ? ["--norc"] : program === "zsh" ? ["-f"] : program === "fish" ? ["-N"] : [];
  return run(program, [...noRc, "-c", script], { env: shellEnv(home, install, extra) });
}

describe("eval of vsw env speaks the evaluating shell", () => {
  test("The parent's name picks the dialect; an unknown parent falls back to $SHELL, then to POSIX sh", () => {
    const cases: Array<[string | undefined, string | undefined, string]> = [
      ["bash", "/usr/bin/fish", "bash"],
      ["-zsh", undefined, "zsh"],
      ["/usr/local/bin/fish", "/bin/bash", "fish"],
      ["dash", "/bin/bash", "sh"],
      ["ksh93", undefined, "sh"],
      ["busybox", undefined, "sh"],
      ["pwsh", undefined, "pwsh"],
      ["node", "/usr/bin/zsh", "zsh"],
      [undefined, "/opt/homebrew/bin/fish", "fish"],
      ["sudo", "/bin/tcsh", "sh"],
      [undefined, undefined, "sh"],
    ];
    for (const [parent, shell, expected] of cases) {
      assert.equal(
        pickShell(undefined, shell, () => parent),
        expected,
        `${parent} / ${shell}`,
      );
    }
    assert.equal(
      pickShell("zsh", "/usr/bin/fish", () => "fish"),
      "zsh",
    );
  });

  for (const shell of ["bash", "zsh", "dash", "sh"]) {
    test(`eval "$(vsw env odd)" in ${shell} with SHELL=/usr/bin/fish sets every value exactly`, async (t) => {
      if (!requireTool(t, shell)) return;
      const result = await plain(shell, `eval "$(vsw env odd)" && env -0`, { SHELL: "/usr/bin/fish" });
      assert.equal(result.code, 0, result.stderr);
      const env = switchVariables(result.stdout);
      assert.equal(env.get("AWS_SECRET_ACCESS_KEY"), ODD_DOC.SecretAccessKey);
      assert.equal(env.get("AWS_SESSION_TOKEN"), ODD_DOC.SessionToken);
      assert.equal(env.get("VSW_PROFILE"), "odd");
    });
  }

  test("dash gets POSIX quoting, without $'…'", async (t) => {
    if (!requireTool(t, "dash")) return;
    const result = await plain("dash", "vsw env odd", { SHELL: "/bin/bash" });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /\$'/);
    assert.match(result.stdout, /^unset AWS_ACCESS_KEY_ID /);
  });

  test("vsw env odd | source in fish with SHELL=/bin/bash sets every value exactly", async (t) => {
    if (!requireTool(t, "fish")) return;
    // `and`: the sourced code ends with status 0, so it can be chained.
    const result = await plain("fish", "vsw env odd | source; and env -0", { SHELL: "/bin/bash" });
    assert.equal(result.code, 0, result.stderr);
    const env = switchVariables(result.stdout);
    assert.equal(env.get("AWS_SECRET_ACCESS_KEY"), ODD_DOC.SecretAccessKey);
    assert.equal(env.get("VSW_PROFILE"), "odd");
  });

  test("--shell still overrides the evaluating shell", async (t) => {
    if (!requireTool(t, "bash")) return;
    const result = await plain("bash", "vsw env odd --shell fish; vsw off --shell fish", {
      SHELL: "/bin/bash",
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^set -e -g AWS_ACCESS_KEY_ID [^\n]*\n(?:set -gx [^\n]*\n)+set -e -g AWS_ACCESS_KEY_ID /,
    );
  });

  test(`eval "$(vsw off)" in dash with SHELL=/usr/bin/fish removes the switch`, async (t) => {
    if (!requireTool(t, "dash")) return;
    const result = await plain("dash", `eval "$(vsw env odd)" && eval "$(vsw off)" && env -0`, {
      SHELL: "/usr/bin/fish",
    });
    assert.equal(result.code, 0, result.stderr);
    const left = switchVariables(result.stdout);
    assert.deepEqual(
      SWITCH_VARIABLES.filter((name) => left.has(name)),
      [],
    );
  });
});

for (const shell of WRAPPED_SHELLS) {
  describe(`The ${shell} wrapper and the user's own variables`, () => {
    const out = (name: string) => join(home.dir, `${shell}-${name}`);
    const dump = (name: string) => `env -0 > '${out(name)}'`;
    const read = (name: string) => switchVariables(readFileSync(out(name), "utf8"));

    test(`In ${shell}, vsw off gives back AWS_REGION, AWS_DEFAULT_REGION and AWS_PROFILE as they were: set, empty or unset`, async (t) => {
      if (!requireTool(t, shell)) return;
      const result = await runShell(
        shell,
        home,
        install,
        ["vsw odd-west", "vsw odd", "vsw odd-west", "vsw off", dump("restored")].join("\n"),
        { AWS_REGION: "ap-south-1", AWS_PROFILE: "", AWS_DEFAULT_PROFILE: "mine" },
      );
      assert.equal(result.code, 0, result.stderr);
      const env = read("restored");
      assert.equal(env.get("AWS_REGION"), "ap-south-1");
      assert.equal(env.has("AWS_DEFAULT_REGION"), false);
      assert.equal(env.get("AWS_PROFILE"), "");
      assert.equal(env.get("AWS_DEFAULT_PROFILE"), "mine");
      for (const name of SWITCH_VARIABLES) {
        if (!/^AWS_(DEFAULT_)?(REGION|PROFILE)$/.test(name)) assert.equal(env.has(name), false, name);
      }
    });

    test(`In ${shell}, the user's own AWS_REGION gives a switch the same region whatever switches came before`, async (t) => {
      if (!requireTool(t, shell)) return;
      const result = await runShell(
        shell,
        home,
        install,
        ["vsw odd-west", dump("first"), "vsw odd", "vsw odd-west", dump("third")].join("\n"),
        { AWS_REGION: "ap-south-1" },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(read("first").get("AWS_REGION"), "ap-south-1");
      assert.equal(read("third").get("AWS_REGION"), "ap-south-1");
    });

    test(`In ${shell}, without a region of the user's, each switch has its profile's region and vsw off leaves none`, async (t) => {
      if (!requireTool(t, shell)) return;
      const result = await runShell(
        shell,
        home,
        install,
        ["vsw odd-west", dump("west"), "vsw odd", dump("none"), "vsw off", dump("off")].join("\n"),
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(read("west").get("AWS_REGION"), "us-west-1");
      assert.equal(read("none").has("AWS_REGION"), false);
      assert.equal(read("off").has("AWS_REGION"), false);
    });
  });
}

test("fish: vsw off leaves the user's universal variable visible instead of hiding it under a global copy", async (t) => {
  if (!requireTool(t, "fish")) return;
  const result = await runShell(
    "fish",
    home,
    install,
    [
      "set -Ux AWS_REGION eu-north-1",
      "vsw odd-west",
      "vsw off",
      "set -qg AWS_REGION; and echo global; or echo no-global",
      'echo "region=$AWS_REGION"',
      "set -eU AWS_REGION",
    ].join("\n"),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "no-global\nregion=eu-north-1\n");
});

describe("The README's example config", () => {
  test("vsw dev, then the AWS CLI calls STS as the developer role, in the region dev inherits from base", async (t) => {
    if (!requireTool(t, "bash") || !requireTool(t, "/usr/bin/aws")) return;
    const result = await runShell(
      "bash",
      home,
      install,
      `vsw dev && echo "region=$AWS_REGION" && /usr/bin/aws sts get-caller-identity --endpoint-url ${world.emu.url} --output json`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^region=eu-west-1\n/);
    const identity = JSON.parse(result.stdout.replace(/^region=.*\n/, "")) as { Arn: string };
    assert.match(identity.Arn, /^arn:aws:sts::222222222222:assumed-role\/developer\//);
  });

  test("A region of the role's own wins over its source's", async () => {
    const result = await runVsw(["env", "prod", "--shell", "bash"], { env: shellEnv(home, install) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^export AWS_REGION='us-east-2'$/m);
  });
});

describe("Prompt tools see the active profile", () => {
  /** starship's aws module takes the first of these that is set (src/modules/aws.rs, get_aws_profile_and_region). */
  const STARSHIP_PROFILE = ["AWSU_PROFILE", "AWS_VAULT", "AWSUME_PROFILE", "AWS_PROFILE", "AWS_SSO_PROFILE"];

  test("After vsw dev, starship's and powerlevel10k's aws segments read the profile dev and its expiry", async (t) => {
    if (!requireTool(t, "zsh")) return;
    // powerlevel10k's prompt_aws (internal/p10k.zsh) reads exactly this expansion.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    const p10k = "${AWS_SSO_PROFILE:-${AWS_VAULT:-${AWSUME_PROFILE:-${AWS_PROFILE:-$AWS_DEFAULT_PROFILE}}}}";
    const result = await runShell(
      "zsh",
      home,
      install,
      `vsw dev && print -r -- "p10k=${p10k}" && env -0 > '${join(home.dir, "prompt-env")}'`,
      { AWS_PROFILE: "something-else" },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^p10k=dev$/m);
    const env = switchVariables(readFileSync(join(home.dir, "prompt-env"), "utf8"));
    assert.equal(
      STARSHIP_PROFILE.map((name) => env.get(name)).find((v) => v !== undefined),
      "dev",
    );
    assert.match(env.get("AWS_CREDENTIAL_EXPIRATION") ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    rmSync(join(home.dir, "prompt-env"));
  });

  test("AWS_VAULT shows a profile name's control characters as ?, VSW_PROFILE keeps them", async () => {
    const { exportedVariables } = await import("../src/plugins/format/variables.js");
    const vars = new Map(
      exportedVariables({
        profile: "a\u001b]0;x\u0007\u202eb",
        region: null,
        credentials: { accessKeyId: "AK", secretAccessKey: "S" },
      }),
    );
    assert.equal(vars.get("AWS_VAULT"), "a?]0;x??b");
    assert.equal(vars.get("VSW_PROFILE"), "a\u001b]0;x\u0007\u202eb");
  });

  test("vsw off removes AWS_VAULT", async () => {
    const result = await runVsw(["off", "--shell", "bash"], { env: home.env });
    assert.match(result.stdout, /^unset [^\n]*\bAWS_VAULT\b/);
  });
});
