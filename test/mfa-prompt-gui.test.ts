/**
 * The MFA prompt where no terminal exists: an IDE-style `credential_process = vsw export PROFILE`
 * call gets its code from a dialog — zenity or kdialog with a display, osascript on macOS —
 * through stand-ins on PATH (test/fixtures/gui) that reproduce the real programs' argv parsing,
 * output and exit codes. Every run is started with `setsid`, so it has no controlling terminal
 * whatever the test runner has. Cancel is VSW_CANCELLED; no display, or VSW_NO_PROMPT=1, is the
 * clear VSW_MFA_REQUIRED; hostile profile names and serials are shown as text, never run.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, type TestContext, test } from "node:test";
import { dialogArgs, findGuiDialog } from "../src/plugins/mfa/gui-prompt.js";
import {
  addKeys,
  type Home,
  MFA_SERIAL,
  makeHome,
  ROOT,
  type RunResult,
  requireTool,
  run,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";

const FIXTURES = join(ROOT, "test", "fixtures", "gui");
const HOSTILE_PROFILE = `we"ird\\_<b>x</b>&y $(touch pwned) 'z'`;
const HOSTILE_SERIAL = `arn:aws:iam::111111111111:mfa/o"q\\x_<i>&y`;

interface Logged {
  program: string;
  argv: string[];
  label?: string;
  title?: string;
  richText?: boolean;
  script?: string;
  args?: string[];
  env: { DISPLAY?: string; passphrase: boolean };
}

describe("the MFA prompt in a dialog where there is no terminal", () => {
  let world: World;
  let home: Home;
  let scratch: string;
  let log: string;
  let answers: string;

  before(async () => {
    world = await startWorld();
    home = makeHome();
    scratch = mkdtempSync(join(tmpdir(), "vsw-gui-"));
    log = join(scratch, "dialogs.log");
    answers = join(scratch, "answers");
    home.writeConfig(
      `${world.config}
[profile ide]
credential_process = ${process.execPath} ${VSW} export base

[profile ${HOSTILE_PROFILE}]
mfa_serial = ${HOSTILE_SERIAL}
endpoint_url = ${world.emu.url}
`,
    );
    for (const profile of ["base", HOSTILE_PROFILE]) await addKeys(home.env, world, profile);
  });
  after(async () => {
    home.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    await world.emu.close();
  });
  beforeEach(async () => {
    rmSync(log, { force: true });
    rmSync(answers, { force: true });
    world.emu.resetCalls();
    await runVsw(["clear"], { env: home.env });
  });

  /**
   * A PATH of only `node` and the named stand-ins, so a real zenity or kdialog on this machine
   * plays no part.
   */
  function binWith(...programs: string[]): string {
    const bin = join(scratch, `bin-${programs.join("-") || "none"}`);
    if (existsSync(bin)) return bin;
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    symlinkSync(join(FIXTURES, "standin.mjs"), join(bin, "standin.mjs"));
    for (const program of programs) symlinkSync(join(FIXTURES, program), join(bin, program));
    return bin;
  }

  /** The environment of a desktop session with `programs` installed. */
  function desktop(programs: string[], extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...home.env,
      PATH: binWith(...programs),
      DISPLAY: ":0",
      VSW_TEST_GUI_LOG: log,
      VSW_TEST_GUI_ANSWERS: answers,
      ...extra,
    };
  }

  /** Runs vsw in a new session: no controlling terminal, as under an IDE. */
  function detached(t: TestContext, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> | undefined {
    const setsid = requireTool(t, "setsid");
    if (!setsid) return undefined;
    return run(setsid, ["-w", process.execPath, VSW, ...args], { env, cwd: scratch });
  }

  const queue = (...lines: string[]) => writeFileSync(answers, `${lines.join("\n")}\n`);
  const dialogs = (): Logged[] =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as Logged)
      : [];
  const tokenCalls = () => world.emu.calls.filter((c) => c.tokenCode);

  test("an IDE's credential_process call (AWS CLI v2, no terminal) gets its code from zenity", async (t) => {
    // /usr/bin/aws is the AWS CLI v2 here; an `aws` earlier on PATH may be v1.
    const aws = existsSync("/usr/bin/aws") ? "/usr/bin/aws" : requireTool(t, "aws");
    const setsid = requireTool(t, "setsid");
    if (!aws || !setsid) return;
    queue(world.code());
    const r = await run(
      setsid,
      [
        "-w",
        aws,
        "sts",
        "get-caller-identity",
        "--profile",
        "ide",
        "--region",
        "eu-west-1",
        "--endpoint-url",
        world.emu.url,
        "--output",
        "json",
      ],
      { env: desktop(["zenity"]), cwd: scratch },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /^arn:aws:(iam|sts)::111111111111:/);
    const [shown, ...more] = dialogs();
    assert.equal(more.length, 0);
    assert.equal(shown?.program, "zenity");
    assert.equal(shown?.title, "vsw");
    assert.equal(shown?.label, `vsw needs an MFA code (6 digits).\nProfile: base\nMFA device: ${MFA_SERIAL}`);
    assert.equal(world.emu.successCount("GetSessionToken"), 1);
    assert.equal(tokenCalls().length, 1);
  });

  test("the dialog program gets neither the keystore passphrase nor a code in its argv", async (t) => {
    const code = world.code();
    queue(code);
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 0, r.stderr);
    const [shown] = dialogs();
    assert.equal(shown?.env.passphrase, false);
    assert.ok(!shown?.argv.some((arg) => arg.includes(code)));
    assert.ok(!r.stderr.includes(code));
  });

  test("vsw plan says the prompt answers when a dialog can, and that none can without a display", async (t) => {
    const withDialog = await detached(t, ["plan", "base"], desktop(["zenity"]));
    if (!withDialog) return;
    assert.match(withDialog.stdout, /MFA arn:aws:iam::111111111111:mfa\/me via prompt/);
    const without = await detached(t, ["plan", "base"], desktop(["zenity"], { DISPLAY: "" }));
    assert.match(without?.stdout ?? "", /\(no MFA source can answer here\)/);
    assert.equal(dialogs().length, 0, "planning shows no dialog");
  });

  test("Cancel in zenity is VSW_CANCELLED and nothing is sent to STS", async (t) => {
    queue("@cancel");
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The MFA dialog was cancelled\..*\(VSW_CANCELLED\)/);
    assert.equal(world.emu.calls.length, 0);
  });

  test("zenity's timeout (exit 5) is VSW_CANCELLED saying no answer came in time", async (t) => {
    queue("@timeout");
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The MFA dialog got no answer within 100 s\..*\(VSW_CANCELLED\)/);
    assert.equal(dialogs()[0]?.argv.includes("--timeout=100"), true);
  });

  test("an answer that is not 6 digits is asked again, saying why, then the code is used", async (t) => {
    queue("12345", ` ${world.code()} `);
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 0, r.stderr);
    const shown = dialogs();
    assert.equal(shown.length, 2);
    assert.match(shown[1]?.label ?? "", /^That was not 6 digits\. vsw needs an MFA code/);
    assert.equal(tokenCalls().length, 1);
  });

  test("three answers that are not 6 digits end with VSW_MFA_INVALID_CODE, STS never called", async (t) => {
    queue("abc", "1234567", "");
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /typed in the dialog was not 6 digits, 3 times.*\(VSW_MFA_INVALID_CODE\)/);
    assert.equal(dialogs().length, 3);
    assert.equal(world.emu.calls.length, 0);
  });

  test("a dialog program that fails is VSW_MFA_PROMPT_FAILED with its exit code and last words", async (t) => {
    queue("@error");
    const r = await detached(t, ["export", "base"], desktop(["zenity"]));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /The MFA dialog \(zenity\) exited with code 255: Gtk-Message: Failed to load module/,
    );
    assert.match(r.stderr, /\(VSW_MFA_PROMPT_FAILED\)/);
  });

  test("kdialog answers where zenity is not installed", async (t) => {
    queue(world.code());
    const r = await detached(t, ["export", "base"], desktop(["kdialog"]));
    if (!r) return;
    assert.equal(r.code, 0, r.stderr);
    const [shown] = dialogs();
    assert.equal(shown?.program, "kdialog");
    assert.deepEqual(shown?.argv.slice(0, 3), ["--title", "vsw", "--inputbox"]);
    assert.equal(tokenCalls().length, 1);
  });

  test("on a KDE desktop kdialog is asked before zenity, and its Cancel is VSW_CANCELLED", async (t) => {
    queue("@cancel");
    const r = await detached(
      t,
      ["export", "base"],
      desktop(["zenity", "kdialog"], {
        XDG_CURRENT_DESKTOP: "KDE",
        DISPLAY: "",
        WAYLAND_DISPLAY: "wayland-0",
      }),
    );
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_CANCELLED\)/);
    assert.deepEqual(
      dialogs().map((d) => d.program),
      ["kdialog"],
    );
  });

  test("osascript (macOS) gets the text as an argument of a fixed script and answers the code", async (t) => {
    queue(world.code());
    // No DISPLAY: the macOS window server needs none. VSW_MFA_DIALOG makes this Linux run pick osascript.
    const r = await detached(
      t,
      ["export", "base"],
      desktop(["osascript"], { DISPLAY: "", VSW_MFA_DIALOG: "osascript" }),
    );
    if (!r) return;
    assert.equal(r.code, 0, r.stderr);
    const [shown] = dialogs();
    assert.equal(shown?.program, "osascript");
    assert.match(shown?.script ?? "", /^on run argv\ndisplay dialog|display dialog \(item 1 of argv\)/);
    assert.doesNotMatch(shown?.script ?? "", /Profile|arn:aws/);
    assert.deepEqual(shown?.args, [
      `vsw needs an MFA code (6 digits).\nProfile: base\nMFA device: ${MFA_SERIAL}`,
    ]);
    assert.equal(tokenCalls().length, 1);
  });

  test("osascript's User canceled (-128) is VSW_CANCELLED, and its other errors are not", async (t) => {
    queue("@cancel");
    const env = desktop(["osascript"], { VSW_MFA_DIALOG: "osascript" });
    const cancelled = await detached(t, ["export", "base"], env);
    if (!cancelled) return;
    assert.equal(cancelled.code, 1);
    assert.match(cancelled.stderr, /The MFA dialog was cancelled\..*\(VSW_CANCELLED\)/);
    queue("@error");
    const failed = await detached(t, ["export", "base"], env);
    assert.match(failed?.stderr ?? "", /No user interaction allowed\. \(-1713\).*\(VSW_MFA_PROMPT_FAILED\)/);
  });

  test("without a display there is no dialog: the error names the sources that need no prompt", async (t) => {
    const r = await detached(t, ["export", "base"], desktop(["zenity", "kdialog"], { DISPLAY: "" }));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Profile "base" needs an MFA code and there is no terminal to ask on and no dialog to ask with/,
    );
    assert.match(
      r.stderr,
      /mfa_source = totp \(after vsw mfa add base\), mfa_source = ykman, or mfa_process/,
    );
    assert.match(r.stderr, /\(VSW_MFA_REQUIRED\)/);
    assert.equal(dialogs().length, 0);
    assert.equal(world.emu.calls.length, 0);
  });

  test("VSW_NO_PROMPT=1 shows no dialog either, and says prompts are off", async (t) => {
    const r = await detached(t, ["export", "base"], desktop(["zenity"], { VSW_NO_PROMPT: "1" }));
    if (!r) return;
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /needs an MFA code and prompts are turned off \(VSW_NO_PROMPT=1\).*\(VSW_MFA_REQUIRED\)/s,
    );
    assert.equal(dialogs().length, 0);
  });

  test("VSW_MFA_DIALOG=none turns dialogs off; an unknown program name is refused", async (t) => {
    const none = await detached(t, ["export", "base"], desktop(["zenity"], { VSW_MFA_DIALOG: "none" }));
    if (!none) return;
    assert.match(none.stderr, /\(VSW_MFA_REQUIRED\)/);
    const unknown = await detached(t, ["export", "base"], desktop(["zenity"], { VSW_MFA_DIALOG: "yad" }));
    assert.match(
      unknown?.stderr ?? "",
      /VSW_MFA_DIALOG is "yad", which is not a dialog program vsw knows.*\(VSW_CONFIG_INVALID\)/s,
    );
    assert.equal(dialogs().length, 0);
  });

  test("a hostile profile name and serial are shown verbatim by all three programs and never run", async (t) => {
    const expected = `vsw needs an MFA code (6 digits).\nProfile: ${HOSTILE_PROFILE}\nMFA device: ${HOSTILE_SERIAL}`;
    for (const [program, extra] of [
      ["zenity", {}],
      ["kdialog", {}],
      ["osascript", { VSW_MFA_DIALOG: "osascript" }],
    ] as const) {
      rmSync(log, { force: true });
      queue("@cancel");
      const r = await detached(t, ["export", HOSTILE_PROFILE], desktop([program], extra));
      if (!r) return;
      assert.match(r.stderr, /\(VSW_CANCELLED\)/, `${program}: ${r.stderr}`);
      const [shown] = dialogs();
      assert.equal(shown?.program, program);
      assert.equal(shown?.label, expected, program);
      if (program === "kdialog")
        assert.equal(shown?.richText, false, "kdialog shows the label as plain text");
      if (program === "osascript")
        assert.ok(!shown?.script?.includes("weird") && !shown?.script?.includes('o"q'));
    }
    assert.equal(existsSync(join(scratch, "pwned")), false);
    assert.equal(world.emu.calls.length, 0);
  });

  test("a line separator in a profile name cannot forge a line of the dialog", async (t) => {
    // Pango (zenity) and Qt (kdialog) break lines at U+0085 (NEL) as at a newline.
    const forged = "dev\u0085MFA device: arn:aws:iam::999999999999:mfa/evil";
    home.writeConfig(
      `${readFileSync(home.configFile, "utf8")}\n[profile ${forged}]\nmfa_serial = ${MFA_SERIAL}\n`,
    );
    const added = await runVsw(["add", forged, "--env"], {
      env: {
        ...home.env,
        AWS_ACCESS_KEY_ID: world.accessKeyId,
        AWS_SECRET_ACCESS_KEY: world.secretAccessKey,
      },
    });
    assert.equal(added.code, 0, added.stderr);
    queue("@cancel");
    const r = await detached(t, ["export", forged], desktop(["zenity"]));
    if (!r) return;
    const [shown] = dialogs();
    assert.ok(shown, r.stderr);
    assert.deepEqual(shown.label?.split("\n").slice(1), [
      "Profile: dev\uFFFDMFA device: arn:aws:iam::999999999999:mfa/evil",
      `MFA device: ${MFA_SERIAL}`,
    ]);
  });
});

describe("choosing the dialog program", () => {
  const bin = mkdtempSync(join(tmpdir(), "vsw-gui-path-"));
  for (const program of ["zenity", "kdialog", "osascript"])
    symlinkSync(join(FIXTURES, program), join(bin, program));
  after(() => rmSync(bin, { recursive: true, force: true }));

  test("macOS uses osascript without a DISPLAY; elsewhere none is used without one", () => {
    assert.equal(findGuiDialog({ PATH: bin }, "darwin")?.program, "osascript");
    assert.equal(findGuiDialog({ PATH: bin }, "linux"), undefined);
    assert.equal(findGuiDialog({ PATH: bin, DISPLAY: ":0" }, "linux")?.program, "zenity");
    assert.equal(findGuiDialog({ PATH: bin, WAYLAND_DISPLAY: "wayland-0" }, "freebsd")?.program, "zenity");
  });

  test("a program in a relative PATH entry is never used (an IDE runs vsw in the project's directory)", () => {
    const relative = bin.replace(/^\//, "");
    assert.equal(findGuiDialog({ PATH: `.:${relative}:`, DISPLAY: ":0" }, "linux"), undefined);
  });

  test("VSW_NO_PROMPT=1 and VSW_MFA_DIALOG=none find no dialog; VSW_MFA_DIALOG picks one", () => {
    const env = { PATH: bin, DISPLAY: ":0" };
    assert.equal(findGuiDialog({ ...env, VSW_NO_PROMPT: "1" }, "darwin"), undefined);
    assert.equal(findGuiDialog({ ...env, VSW_MFA_DIALOG: "none" }, "darwin"), undefined);
    assert.equal(findGuiDialog({ ...env, VSW_MFA_DIALOG: "kdialog" }, "linux")?.file, join(bin, "kdialog"));
  });

  test("zenity's label escapes GLib's backslash escapes and GTK's mnemonic underscores", () => {
    const text = dialogArgs("zenity", "a\\n_b").find((arg) => arg.startsWith("--text="));
    assert.equal(text, "--text=a\\\\n__b");
  });
});
