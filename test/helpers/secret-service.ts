/**
 * A private Secret Service for tests: a D-Bus session bus of its own (`dbus-run-session` with a
 * config that activates nothing, so no real daemon of the user's is started or reached) and a real
 * gnome-keyring-daemon on it, run in the foreground with its keyrings in a temp dir and stopped by
 * `close()` (machine-notes: without --foreground, daemons outlive the session).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { DbusConnection } from "../../src/plugins/keystore/dbus.js";
import { requireTool } from "./harness.js";

export interface SecretServiceWorld {
  /** DBUS_SESSION_BUS_ADDRESS and the XDG dirs the daemon uses. */
  env: Record<string, string>;
  address: string;
  /** The keyring password (a test value, not a user's). */
  password: string;
  /** Locks the default collection (as a screen lock would). */
  lock(): Promise<void>;
  /** Stops the daemon, keeping the bus (a "no Secret Service" world). */
  stopDaemon(): Promise<void>;
  /** Restarts the daemon on the same keyring files; `unlock` false leaves the login keyring locked. */
  startDaemon(unlock: boolean): Promise<void>;
  close(): Promise<void>;
}

const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/** Whether the tools are here (skips, or fails under CI=true, when not). */
export function requireSecretService(t: TestContext): boolean {
  return !!requireTool(t, "dbus-run-session") && !!requireTool(t, "gnome-keyring-daemon");
}

/**
 * Starts the bus and, with `daemon` (default), gnome-keyring with an unlocked login keyring.
 */
export async function startSecretService(options: { daemon?: boolean } = {}): Promise<SecretServiceWorld> {
  const root = mkdtempSync(join(tmpdir(), "vsw-ss-"));
  chmodSync(root, 0o700);
  const data = join(root, "data");
  const runtime = join(root, "run");
  const home = join(root, "home");
  mkdirSync(data);
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(home);
  const config = join(root, "bus.conf");
  writeFileSync(config, BUS_CONFIG.replace("DIR", root));
  const bus = spawn(
    "dbus-run-session",
    [
      "--config-file",
      config,
      "--",
      "sh",
      "-c",
      'printf "%s\\n" "$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null',
    ],
    { stdio: ["pipe", "pipe", "ignore"] },
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    bus.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    bus.once("exit", (code) => reject(new Error(`dbus-run-session exited (${code})`)));
  });
  const password = "test-keyring-password";
  const env = { DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime };
  let daemon: ChildProcess | undefined;

  const call = async (
    member: string,
    signature: string,
    body: unknown[],
    path = "/org/freedesktop/secrets",
  ) => {
    const connection = await DbusConnection.connect(address);
    try {
      return await connection.call({
        destination: "org.freedesktop.secrets",
        path,
        interface: "org.freedesktop.Secret.Service",
        member,
        signature,
        body: body as never,
      });
    } finally {
      connection.close();
    }
  };

  const startDaemon = async (unlock: boolean) => {
    daemon = spawn(
      "gnome-keyring-daemon",
      ["--foreground", "--components=secrets", ...(unlock ? ["--unlock"] : [])],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env },
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    if (unlock) daemon.stdin?.end(password);
    else daemon.stdin?.end();
    // Ready when the name is owned on the bus.
    const connection = await DbusConnection.connect(address);
    try {
      for (let i = 0; i < 100; i++) {
        const [owned] = await connection.call({
          destination: "org.freedesktop.DBus",
          path: "/org/freedesktop/DBus",
          interface: "org.freedesktop.DBus",
          member: "NameHasOwner",
          signature: "s",
          body: ["org.freedesktop.secrets"],
        });
        if (owned === true) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      connection.close();
    }
    throw new Error("gnome-keyring-daemon did not appear on the bus");
  };

  const stopDaemon = async () => {
    const running = daemon;
    daemon = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGTERM");
    });
  };

  if (options.daemon !== false) await startDaemon(true);
  return {
    env,
    address,
    password,
    async lock() {
      await call("Lock", "ao", [["/org/freedesktop/secrets/collection/login"]]);
    },
    stopDaemon,
    startDaemon,
    async close() {
      await stopDaemon();
      if (bus.exitCode === null) {
        await new Promise<void>((resolve) => {
          bus.once("exit", () => resolve());
          bus.stdin?.end();
        });
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
