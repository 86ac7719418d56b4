/**
 * The shell wrappers end to end, non-interactive, in real bash, zsh and fish started with the line
 * `vsw init` prints: switching against the STS emulator, what the AWS CLI then sees, replacing
 * every variable, `vsw off`, failed switches, pass-through, and hostile names and values.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { renderShell } from "../src/plugins/format/shell-quote.js";
import { SWITCH_VARIABLES } from "../src/plugins/format/variables.js";
import { addBaseKeys, type Home, requireTool, runVsw, startWorld, type World } from "./helpers/harness.js";
import {
  type Install,
  installRcLine,
  makeInstall,
  runShell,
  shellHome,
  switchVariables,
  WRAPPED_SHELLS,
  type WrappedShell,
} from "./shell-support.js";

const scratch = mkdtempSync(join(tmpdir(), "vsw-wrapper-"));
const canary = join(scratch, "canary");
let world: World;
let install: Install;

before(async () => {
  world = await startWorld();
  install = makeInstall();
});
after(async () => {
  await world?.emu.close();
  install?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** Hostile text: each piece would create the canary if a shell ever ran it. */
const HOSTILE_NAMES = [
  "it's",
  'say "hi"',
  "$(touch CANARY)",
  "`touch CANARY`",
  "a;touch CANARY",
  "back\\slash\\",
  "100% %p %t %%",
  "日本語 😀",
  "esc\u001b]0;owned\u0007\u001b[31m",
  "\u202eevil",
  "{a,b} * ? ~root !! $HOME",
  "a=b:c",
].map((name) => name.replaceAll("CANARY", canary));

/**
 * Names only the keystore can hold: an ini section header cannot hold a line break, and drops the
 * quotes around a whole name (`[profile "a b"]` is `a b`, as botocore reads it).
 */
const STORED_NAMES = [
  "line\nbreak",
  "trailing newline\n",
  "tab\there",
  `'$(touch ${canary})'`,
  `"$(touch ${canary})"`,
];

const HOSTILE_DOC = {
  Version: 1,
  AccessKeyId: `AKIA'"$(touch ${canary})`,
  SecretAccessKey: `\`touch ${canary}\`\\\n%s\u001b[31m😀\t`,
  SessionToken: `'; touch ${canary}; '\u202e\r\n$'\\n'`,
  Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
};

function writeJson(name: string, value: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** The config of every shell's HOME: the shared world, a profile named like a command, and the hostile ones. */
function config(): string {
  const hostileDoc = writeJson("hostile.json", HOSTILE_DOC);
  const nulDoc = writeJson("nul.json", { ...HOSTILE_DOC, SessionToken: "a\u0000b" });
  const surrogateDoc = writeJson("surrogate.json", { ...HOSTILE_DOC, SessionToken: "a\ud800b" });
  const cat = (file: string) => `cat '${file}'`;
  let text = `${world.config}
[profile list]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/dev
mfa_serial = ${world.config.match(/mfa_serial = (.*)/)?.[1]}
region = eu-west-1
endpoint_url = ${world.emu.url}

[profile cp-nul]
credential_process = ${cat(nulDoc)}

[profile cp-surrogate]
credential_process = ${cat(surrogateDoc)}
`;
  for (const name of HOSTILE_NAMES) text += `\n[profile ${name}]\ncredential_process = ${cat(hostileDoc)}\n`;
  return text;
}

const statusOf = (shell: WrappedShell) => (shell === "fish" ? "$status" : "$?");

function readEnv(file: string): Map<string, string> {
  return switchVariables(readFileSync(file, "utf8"));
}

for (const shell of WRAPPED_SHELLS) {
  describe(`The ${shell} wrapper`, () => {
    let home: Home;
    let ready = false;
    const file = (name: string) => join(home.dir, `${shell}-${name}`);

    before(async () => {
      home = shellHome();
      home.writeConfig(config());
      await addBaseKeys(home, world);
      await installRcLine(home, install, shell);
      // One MFA code per HOME: the base session is cached (8 h) and feeds every later role.
      const warm = await runVsw(["env", "dev", "--mfa-token", world.code()], {
        env: { ...home.env, PATH: `${install.bin}:${process.env.PATH}` },
      });
      assert.equal(warm.code, 0, warm.stderr);
      ready = true;
    });
    after(() => home?.cleanup());

    const sh = (t: import("node:test").TestContext, script: string, extra: NodeJS.ProcessEnv = {}) => {
      if (!requireTool(t, shell)) return undefined;
      assert.ok(ready, "the HOME was prepared");
      return runShell(shell, home, install, script, extra);
    };

    test(`vsw dev switches ${shell}, and the AWS CLI then calls STS as the dev role`, async (t) => {
      if (!requireTool(t, "/usr/bin/aws")) return;
      const result = await sh(
        t,
        `vsw dev\n/usr/bin/aws sts get-caller-identity --endpoint-url ${world.emu.url} --output json`,
      );
      if (!result) return;
      assert.equal(result.code, 0, result.stderr);
      const identity = JSON.parse(result.stdout) as { Arn: string; Account: string };
      assert.equal(identity.Account, "222222222222");
      assert.match(identity.Arn, /:assumed-role\/dev\//);
    });

    test(`Switching ${shell} to a second profile replaces every variable, stale ones included`, async (t) => {
      const stale = Object.fromEntries(SWITCH_VARIABLES.map((name) => [name, "stale"]));
      const result = await sh(
        t,
        `vsw dev; env -0 > ${file("dev")}; vsw prod; env -0 > ${file("prod")}`,
        stale,
      );
      if (!result) return;
      assert.equal(result.code, 0, result.stderr);
      const dev = readEnv(file("dev"));
      const prod = readEnv(file("prod"));
      assert.deepEqual([...SWITCH_VARIABLES].filter((name) => prod.has(name)).sort(), [
        "AWS_ACCESS_KEY_ID",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_EXPIRATION",
        "AWS_SESSION_TOKEN",
        "AWS_VAULT",
        "VSW_ACCOUNT_ID",
        "VSW_EXPIRATION",
        "VSW_PROFILE",
        "VSW_REGION",
        "VSW_SAVED",
      ]);
      assert.equal(prod.get("VSW_PROFILE"), "prod");
      assert.equal(prod.get("VSW_ACCOUNT_ID"), "333333333333");
      assert.equal(prod.get("AWS_REGION"), "us-east-2");
      assert.equal(prod.get("AWS_DEFAULT_REGION"), "us-east-2");
      assert.match(prod.get("VSW_EXPIRATION") ?? "", /^\d{10}$/);
      for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
        assert.notEqual(prod.get(name), dev.get(name), `${name} still holds dev's value`);
      }
      assert.ok(![...prod.values()].includes("stale"), "a stale value survived");
    });

    test(`vsw off in ${shell} removes every variable the switch set and nothing else`, async (t) => {
      const result = await sh(
        t,
        `env -0 > ${file("e0")}; vsw dev; env -0 > ${file("e1")}; vsw off; echo ${statusOf(shell)} > ${file("st")}; env -0 > ${file("e2")}`,
        { MY_UNRELATED: "keep me", AWS_CONFIG_FILE: home.configFile },
      );
      if (!result) return;
      assert.equal(result.code, 0, result.stderr);
      // The shell's own bookkeeping (SHLVL drops when zsh execs the last command, `_`) aside.
      const whole = (name: string) =>
        readFileSync(file(name), "utf8")
          .split("\0")
          .filter((e) => !/^(SHLVL|_)=/.test(e));
      assert.equal(readFileSync(file("st"), "utf8").trim(), "0");
      assert.equal(readEnv(file("e1")).get("VSW_PROFILE"), "dev");
      assert.deepEqual(whole("e2").sort(), whole("e0").sort());
    });

    test(`A failed switch in ${shell} (unknown profile, wrong MFA code) leaves the old credentials untouched`, async (t) => {
      const st = statusOf(shell);
      const result = await sh(
        t,
        [
          `vsw dev; env -0 > ${file("before")}`,
          `vsw no-such-profile; echo ${st} > ${file("st1")}`,
          `vsw prod --duration 2h --mfa-token 000000; echo ${st} > ${file("st2")}`,
          `env -0 > ${file("after")}`,
        ].join("\n"),
      );
      if (!result) return;
      assert.notEqual(readFileSync(file("st1"), "utf8").trim(), "0");
      assert.notEqual(readFileSync(file("st2"), "utf8").trim(), "0");
      assert.match(result.stderr, /VSW_PROFILE_NOT_FOUND/);
      assert.deepEqual(readEnv(file("after")), readEnv(file("before")));
      assert.equal(readEnv(file("after")).get("VSW_PROFILE"), "dev");
    });

    test(`Other commands pass through ${shell} to the binary with their output and exit codes`, async (t) => {
      const st = statusOf(shell);
      const result = await sh(
        t,
        [
          `vsw list --names; echo "list=${st}"`,
          `vsw plan no-such-profile 2>/dev/null; echo "plan=${st}"`,
          `vsw --bogus-flag 2>/dev/null; echo "bogus=${st}"`,
          `vsw exec dev -- sh -c 'exit 7'; echo "exec=${st}"`,
        ].join("\n"),
      );
      if (!result) return;
      assert.match(result.stdout, /^base\ndev\nprod\n/);
      assert.match(result.stdout, /list=0\n/);
      assert.match(result.stdout, /plan=1\n/);
      assert.match(result.stdout, /bogus=2\n/);
      assert.match(result.stdout, /exec=7\n/);
    });

    test(`In ${shell}, a word that is both a command and a profile runs the command; vsw use switches`, async (t) => {
      const result = await sh(
        t,
        `vsw list > ${file("list-out")}; env -0 > ${file("after-list")}; vsw use list; env -0 > ${file("after-use")}`,
      );
      if (!result) return;
      assert.equal(result.code, 0, result.stderr);
      assert.match(readFileSync(file("list-out"), "utf8"), /^PROFILE +KEYS/);
      assert.equal(readEnv(file("after-list")).get("VSW_PROFILE"), undefined);
      assert.equal(readEnv(file("after-use")).get("VSW_PROFILE"), "list");
      assert.equal(readEnv(file("after-use")).get("VSW_ACCOUNT_ID"), "222222222222");
    });

    test(`vsw PROFILE --help in ${shell} shows the help instead of evaluating it`, async (t) => {
      const result = await sh(
        t,
        `vsw dev --help; echo "status=${statusOf(shell)}"; env -0 > ${file("help")}`,
      );
      if (!result) return;
      assert.match(result.stdout, /--mfa-token/);
      assert.match(result.stdout, /status=0/);
      assert.equal(readEnv(file("help")).get("VSW_PROFILE"), undefined);
      assert.equal(result.stderr, "");
    });

    test(`Hostile profile names and credential values reach ${shell}'s environment exactly and run nothing`, async (t) => {
      const env: NodeJS.ProcessEnv = {};
      const lines: string[] = [];
      HOSTILE_NAMES.forEach((name, i) => {
        env[`TEST_NAME_${i}`] = name;
        lines.push(`vsw use "$TEST_NAME_${i}"; env -0 > ${file(`hostile-${i}`)}`);
      });
      const result = await sh(t, lines.join("\n"), env);
      if (!result) return;
      assert.equal(existsSync(canary), false, "a command in a name or value was executed");
      HOSTILE_NAMES.forEach((name, i) => {
        const got = readEnv(file(`hostile-${i}`));
        assert.equal(got.get("VSW_PROFILE"), name);
        assert.equal(got.get("AWS_ACCESS_KEY_ID"), HOSTILE_DOC.AccessKeyId);
        assert.equal(got.get("AWS_SECRET_ACCESS_KEY"), HOSTILE_DOC.SecretAccessKey);
        assert.equal(got.get("AWS_SESSION_TOKEN"), HOSTILE_DOC.SessionToken);
        assert.equal(got.get("AWS_CREDENTIAL_EXPIRATION"), HOSTILE_DOC.Expiration);
      });
    });

    test(`Names only the keystore can hold (newlines, tabs) switch ${shell} exactly`, async (t) => {
      if (!requireTool(t, shell)) return;
      const env: NodeJS.ProcessEnv = {};
      const lines: string[] = [];
      for (const [i, name] of STORED_NAMES.entries()) {
        const added = await runVsw(["add", name, "--env"], {
          env: {
            ...home.env,
            AWS_ACCESS_KEY_ID: `AKIA${"ABCDEFGHIJKLMNO".slice(0, 15)}${i}`,
            AWS_SECRET_ACCESS_KEY: "a".repeat(40),
          },
        });
        assert.equal(added.code, 0, added.stderr);
        env[`TEST_NAME_${i}`] = name;
        lines.push(`vsw use "$TEST_NAME_${i}" --no-session; env -0 > ${file(`stored-${i}`)}`);
      }
      const result = await sh(t, lines.join("\n"), env);
      if (!result) return;
      for (const [i, name] of STORED_NAMES.entries()) {
        assert.equal(readEnv(file(`stored-${i}`)).get("VSW_PROFILE"), name);
      }
      assert.equal(existsSync(canary), false);
    });

    test(`Values no variable can hold are refused in ${shell} with a clear error, the old credentials kept`, async (t) => {
      const st = statusOf(shell);
      const result = await sh(
        t,
        [
          `vsw dev; env -0 > ${file("u-before")}`,
          `vsw cp-nul; echo ${st} > ${file("u-st1")}`,
          `vsw cp-surrogate; echo ${st} > ${file("u-st2")}`,
          `vsw dev --region '$(touch ${canary})'; echo ${st} > ${file("u-st3")}`,
          `env -0 > ${file("u-after")}`,
        ].join("\n"),
      );
      if (!result) return;
      assert.equal(readFileSync(file("u-st1"), "utf8").trim(), "1");
      assert.equal(readFileSync(file("u-st2"), "utf8").trim(), "1");
      assert.notEqual(readFileSync(file("u-st3"), "utf8").trim(), "0");
      assert.equal(result.stderr.match(/VSW_VALUE_UNREPRESENTABLE/g)?.length, 2, result.stderr);
      assert.deepEqual(readEnv(file("u-after")), readEnv(file("u-before")));
      assert.equal(existsSync(canary), false);
    });
  });
}

describe("The wrappers around a stand-in binary", () => {
  let home: Home;
  let stub: Install;
  const out = join(scratch, "stub-out");

  before(async () => {
    home = shellHome();
    stub = makeInstall("stub");
    // The stand-in prints a prepared file and exits with a prepared status, whatever it is asked.
    // `pick` answers STUB_PICK; every call but pick appends its arguments to STUB_ARGS.
    writeFileSync(
      join(stub.bin, "vsw"),
      [
        "#!/bin/sh",
        'if [ "$1" = pick ]; then printf %s "$STUB_PICK"; exit 0; fi',
        `[ -z "$STUB_ARGS" ] || printf '<%s>' "$@" >> "$STUB_ARGS"`,
        'cat "$STUB_OUT"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
        'exit "${STUB_STATUS:-0}"',
        "",
      ].join("\n"),
    );
    for (const shell of WRAPPED_SHELLS) {
      const rc = await runVsw(["init", shell], { env: home.env });
      writeFileSync(join(scratch, `rc-${shell}`), rc.stdout);
    }
  });
  after(() => {
    home?.cleanup();
    stub?.cleanup();
  });

  const runStub = (
    shell: WrappedShell,
    script: string,
    output: string,
    status = 0,
    extra: NodeJS.ProcessEnv = {},
  ) => {
    writeFileSync(out, output);
    const rc = join(scratch, `rc-${shell}`);
    mkdirSync(join(home.dir, ".config", "fish"), { recursive: true });
    writeFileSync(
      shell === "fish"
        ? join(home.dir, ".config", "fish", "config.fish")
        : join(home.dir, shell === "bash" ? ".bashrc" : ".zshrc"),
      readFileSync(rc),
      { flag: "w" },
    );
    return runShell(shell, home, stub, script, { STUB_OUT: out, STUB_STATUS: String(status), ...extra });
  };

  for (const shell of WRAPPED_SHELLS) {
    test(`${shell} never evaluates the output of a switch that exited non-zero`, async (t) => {
      if (!requireTool(t, shell)) return;
      const code = `${renderShell(shell === "fish" ? "fish" : "bash", SWITCH_VARIABLES, [["VSW_PROFILE", "x"]])}touch ${canary}\n`;
      const result = await runStub(
        shell,
        `vsw prod; echo "status=${statusOf(shell)} [$VSW_PROFILE]"`,
        code,
        3,
      );
      assert.match(result.stdout, /status=3 \[\]/);
      assert.equal(existsSync(canary), false);
    });

    test(`${shell} evaluates only output that is switch code, and shows anything else`, async (t) => {
      if (!requireTool(t, shell)) return;
      const result = await runStub(
        shell,
        `vsw prod; echo "status=${statusOf(shell)}"`,
        `touch ${canary}\n`,
        0,
      );
      assert.match(result.stdout, new RegExp(`^touch ${canary}\\nstatus=0\\n$`));
      assert.equal(existsSync(canary), false);
    });

    test(`${shell}'s vsw alone switches to exactly the name the picker printed, trailing newlines included`, async (t) => {
      if (!requireTool(t, shell)) return;
      const args = join(scratch, `args-${shell}`);
      rmSync(args, { force: true });
      const picked = "odd name\n\n";
      const result = await runStub(shell, "vsw", "", 0, { STUB_PICK: picked, STUB_ARGS: args });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(args, "utf8"), `<env><--shell><${shell}><${picked}>`);
    });

    test(`${shell} evaluates random hostile switch code exactly through the wrapper`, async (t) => {
      if (!requireTool(t, shell)) return;
      const value = fc
        .array(
          fc.oneof(
            fc.constantFrom(...HOSTILE_NAMES, "\n", "'", "\\", "%"),
            fc.string({ unit: "binary", maxLength: 5 }),
          ),
          {
            maxLength: 6,
          },
        )
        .map((parts) => parts.join("").replaceAll("\0", ""));
      await fc.assert(
        fc.asyncProperty(value, value, async (profile, token) => {
          const code = renderShell(shell, SWITCH_VARIABLES, [
            ["AWS_SESSION_TOKEN", token],
            ["VSW_PROFILE", profile],
          ]);
          const result = await runStub(shell, `vsw use x; env -0`, code);
          const env = switchVariables(result.stdout);
          assert.equal(existsSync(canary), false);
          assert.equal(env.get("VSW_PROFILE"), profile);
          assert.equal(env.get("AWS_SESSION_TOKEN"), token);
        }),
        { numRuns: 40 },
      );
    });
  }
});
