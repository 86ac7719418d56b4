/**
 * The extension points of issue 8 item 2 through the built `vsw`: `authorize` against the STS
 * emulator (a refusal leaves the call log empty and nothing cached), `shutdown` on the way out,
 * and the child-environment secrets a plugin declares. The plugins are plain files a team would
 * write; their errors carry the `vsw.error` brand as a copy of `vsw/plugin` bundled with them does.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closeWorld, type Home, makeHome, runVsw, type World, worldWithHome } from "./helpers/harness.js";

const dir = mkdtempSync(join(tmpdir(), "vsw-hook-plugins-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a plugin module into the temporary directory and returns its absolute path. */
function pluginFile(name: string, source: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return file;
}

const DENY = pluginFile(
  "deny",
  `
const denied = (message) => {
  const error = Object.assign(new Error(message), { code: "ACME_POLICY_DENIED" });
  Object.defineProperty(error, Symbol.for("vsw.error"), { value: true });
  return error;
};
export default {
  name: "acme-deny",
  apply(vsw) {
    vsw.hooks.authorize.tap("acme-deny", ({ profile }) => {
      if (profile === "dev") throw denied(\`Profile "\${profile}" is closed today.\`);
    });
  },
};
`,
);

const MARKER = join(dir, "shutdown.log");
const SHUTDOWN = pluginFile(
  "shutdown",
  `
import { appendFileSync } from "node:fs";
export default {
  name: "acme-server",
  apply(vsw) {
    appendFileSync(${JSON.stringify(MARKER)}, "started\\n");
    vsw.hooks.shutdown.tapPromise("acme-server", async () => appendFileSync(${JSON.stringify(MARKER)}, "stopped\\n"));
  },
};
`,
);

const SECRET = pluginFile(
  "secret",
  `
export default {
  name: "acme-token",
  apply(vsw) {
    vsw.childSecrets.add("ACME_TOKEN");
  },
};
`,
);

const SEEN = join(dir, "credential-process.log");
/** A credential_process that logs whether it saw ACME_TOKEN, and prints fixed credentials. */
const PROCESS = pluginFile(
  "process",
  `
import { appendFileSync } from "node:fs";
appendFileSync(${JSON.stringify(SEEN)}, \`[\${process.env.ACME_TOKEN ?? "unset"}]\`);
process.stdout.write(JSON.stringify({
  Version: 1,
  AccessKeyId: "ASIAPROCESS000000001",
  SecretAccessKey: "process-secret",
  SessionToken: "process-token",
  Expiration: new Date(Date.now() + 3600_000).toISOString(),
}));
`,
);

const BROKER = pluginFile(
  "broker",
  `
export default {
  name: "acme-broker",
  apply(vsw) {
    vsw.hooks.plan.tap("acme-broker", (plan) =>
      plan.profile.startsWith("broker-")
        ? { ...plan, steps: [{ type: "acme-broker:token", profile: plan.profile, label: "Acme broker token" }] }
        : plan,
    );
    vsw.hooks.sourceCredentials.tapPromise("acme-broker", async ({ step }) =>
      step.type === "acme-broker:token"
        ? { accessKeyId: "ASIABROKER0000000001", secretAccessKey: "broker-secret", sessionToken: "broker-token", expiration: Date.now() + 3600_000 }
        : undefined,
    );
  },
};
`,
);

describe("a plugin's own kind of source", () => {
  let home: Home;
  before(() => {
    home = makeHome();
    home.writeConfig("[profile broker-ci]\nregion = eu-west-1\n");
  });
  after(() => home.cleanup());

  test("vsw plan prints the plugin's step by its label", async () => {
    const result = await runVsw(["plan", "broker-ci", "--plugin", BROKER], { env: home.env });
    assert.match(result.stdout, /^ {2}1\. step {5}broker-ci {3}Acme broker token$/m);
  });

  test("vsw export hands out the credentials the plugin's source answered", async () => {
    const result = await runVsw(["export", "broker-ci", "--format", "json", "--plugin", BROKER], {
      env: home.env,
    });
    assert.equal((JSON.parse(result.stdout) as { AccessKeyId: string }).AccessKeyId, "ASIABROKER0000000001");
  });
});

describe("authorize through vsw env", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome());
  });
  after(() => closeWorld(world, home));

  test("a refusal surfaces the plugin's code and message, with no STS call, no passphrase and nothing cached", async () => {
    const calls = world.emu.calls.length;
    // No passphrase and the unlock cache off: reading a secret would fail with another code.
    const env = { ...home.env, VSW_FILE_PASSPHRASE: undefined, VSW_FILE_UNLOCK_TTL: "0" };
    const refused = await runVsw(["env", "dev", "--mfa-token", world.code(), "--plugin", DENY], { env });
    assert.deepEqual(
      { code: refused.code, stdout: refused.stdout, stderr: refused.stderr.trim().split("\n")[0] },
      { code: 1, stdout: "", stderr: 'vsw: Profile "dev" is closed today. (ACME_POLICY_DENIED)' },
    );
    assert.equal(world.emu.calls.length, calls);
    const plan = await runVsw(["plan", "dev"], { env: home.env });
    assert.doesNotMatch(plan.stdout, /cached/);
  });
});

/** Whether every core that applied the plugin also shut it down, after it started: `balanced`. */
function shutdowns(): string {
  const lines = existsSync(MARKER) ? readFileSync(MARKER, "utf8").split("\n").filter(Boolean) : [];
  const started = lines.filter((line) => line === "started").length;
  const stopped = lines.filter((line) => line === "stopped").length;
  return started > 0 && started === stopped && lines[0] === "started" ? "balanced" : lines.join(",");
}
const balanced = "balanced";

describe("shutdown", () => {
  test("runs for every core built, after a command that failed", async () => {
    const home = makeHome();
    try {
      rmSync(MARKER, { force: true });
      const result = await runVsw(["plan", "nosuch", "--plugin", SHUTDOWN], { env: home.env });
      assert.deepEqual({ code: result.code, log: shutdowns() }, { code: 1, log: balanced });
    } finally {
      home.cleanup();
    }
  });

  test("runs after vsw env on the fast path", async () => {
    const home = makeHome();
    try {
      home.writeConfig(`[profile proc]\ncredential_process = ${process.execPath} ${PROCESS}\n`);
      rmSync(MARKER, { force: true });
      const result = await runVsw(["env", "proc", "--plugin", SHUTDOWN], { env: home.env });
      assert.deepEqual({ code: result.code, log: shutdowns() }, { code: 0, log: balanced });
    } finally {
      home.cleanup();
    }
  });
});

describe("child secrets declared by plugins", () => {
  const show = ["-e", 'process.stdout.write("[" + (process.env.ACME_TOKEN ?? "unset") + "]")'];

  /** Runs `vsw exec proc` printing the child's ACME_TOKEN; returns it and what credential_process saw. */
  async function exec(extraEnv: NodeJS.ProcessEnv, plugins: string[]) {
    const home = makeHome({ ACME_TOKEN: "acme-secret-value", ...extraEnv });
    try {
      home.writeConfig(`[profile proc]\ncredential_process = ${process.execPath} ${PROCESS}\n`);
      rmSync(SEEN, { force: true });
      const result = await runVsw(["exec", "proc", ...plugins, "--", process.execPath, ...show], {
        env: home.env,
      });
      return { code: result.code, child: result.stdout, credentialProcess: readFileSync(SEEN, "utf8") };
    } finally {
      home.cleanup();
    }
  }

  test("neither credential_process nor vsw exec's command inherits a declared secret", async () => {
    assert.deepEqual(await exec({}, ["--plugin", SECRET]), {
      code: 0,
      child: "[unset]",
      credentialProcess: "[unset]",
    });
  });

  test("NAME_INHERIT=1 lets the user pass a declared secret to the children", async () => {
    assert.deepEqual(await exec({ ACME_TOKEN_INHERIT: "1" }, ["--plugin", SECRET]), {
      code: 0,
      child: "[acme-secret-value]",
      credentialProcess: "[acme-secret-value]",
    });
  });

  test("an undeclared variable still reaches the children", async () => {
    assert.deepEqual(await exec({}, []), {
      code: 0,
      child: "[acme-secret-value]",
      credentialProcess: "[acme-secret-value]",
    });
  });
});
