/**
 * The Linux Secret Service (gnome-keyring, KeePassXC, KWallet) seen through D-Bus without reading
 * a secret: whether it is there, its default collection and whether that is locked, and the
 * attributes (service, username, vsw's expiry) of the items vsw stored through `@napi-rs/keyring`.
 */
import type { Env } from "../../plugin.js";
import {
  DbusConnection,
  DbusError,
  type DbusValue,
  sessionBusAddress,
  type Variant,
  withTimeout,
} from "./dbus.js";

const SECRETS = "org.freedesktop.secrets";
const SERVICE_PATH = "/org/freedesktop/secrets";
const SERVICE = "org.freedesktop.Secret.Service";
const ITEM = "org.freedesktop.Secret.Item";
const COLLECTION = "org.freedesktop.Secret.Collection";
const PROPERTIES = "org.freedesktop.DBus.Properties";

/** The attribute vsw adds to an item set with an expiry (epoch ms), readable without its secret. */
export const EXPIRES_ATTRIBUTE = "vsw-expires";

/** What the Secret Service looks like from here. */
export type SecretServiceState =
  | { state: "no-dbus"; detail: string }
  | { state: "no-service"; detail: string }
  | { state: "no-collection" }
  | { state: "ready"; collection: string; locked: boolean; items?: number };

/** An item as listed: its attributes (the username is vsw's item name). */
export interface ListedItem {
  path: string;
  attributes: Map<string, string>;
}

/** `SearchItems(attributes)` of the Secret Service: the paths of the unlocked and of the locked items. */
async function searchItems(
  connection: DbusConnection,
  attributes: ReadonlyMap<string, string>,
  timeoutMs: number,
): Promise<[string[], string[]]> {
  return (await withTimeout(
    connection.call({
      destination: SECRETS,
      path: SERVICE_PATH,
      interface: SERVICE,
      member: "SearchItems",
      signature: "a{ss}",
      body: [new Map(attributes)],
    }),
    timeoutMs,
  )) as [string[], string[]];
}

/** A property of an object of the Secret Service (`Locked` of a collection, `Attributes` of an item). */
async function getProperty(
  connection: DbusConnection,
  path: string,
  iface: string,
  name: string,
  timeoutMs: number,
): Promise<DbusValue | undefined> {
  const [variant] = (await withTimeout(
    connection.call({
      destination: SECRETS,
      path,
      interface: PROPERTIES,
      member: "Get",
      signature: "ss",
      body: [iface, name],
    }),
    timeoutMs,
  )) as [Variant | undefined];
  return variant?.value;
}

/** A connection to the Secret Service's bus, or why there is none. */
async function connect(
  env: Env,
  timeoutMs: number,
): Promise<DbusConnection | { state: "no-dbus"; detail: string }> {
  const address = sessionBusAddress(env);
  if (!address) {
    return {
      state: "no-dbus",
      detail: "DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus",
    };
  }
  try {
    return await DbusConnection.connect(address, timeoutMs);
  } catch (error) {
    return {
      state: "no-dbus",
      detail: `the session bus at ${address} cannot be reached: ${(error as Error).message}`,
    };
  }
}

/** Probes the Secret Service: bus, service, default collection, locked. Reads no secret, unlocks nothing. */
export async function probeSecretService(
  env: Env,
  timeoutMs = 1500,
  countServices: readonly string[] = [],
): Promise<SecretServiceState> {
  const connection = await connect(env, timeoutMs);
  if (!(connection instanceof DbusConnection)) return connection;
  try {
    let alias: string;
    try {
      // A call to the well-known name starts an activatable Secret Service, as libsecret's would.
      [alias] = (await withTimeout(
        connection.call({
          destination: SECRETS,
          path: SERVICE_PATH,
          interface: SERVICE,
          member: "ReadAlias",
          signature: "s",
          body: ["default"],
        }),
        timeoutMs,
      )) as [string];
    } catch (error) {
      const name = error instanceof DbusError ? error.dbusName : "";
      return {
        state: "no-service",
        detail:
          name === "org.freedesktop.DBus.Error.ServiceUnknown" ||
          name === "org.freedesktop.DBus.Error.NameHasNoOwner"
            ? "nothing provides org.freedesktop.secrets on the session bus"
            : `org.freedesktop.secrets did not answer: ${(error as Error).message}`,
      };
    }
    if (!alias || alias === "/") return { state: "no-collection" };
    const locked = await getProperty(connection, alias, COLLECTION, "Locked", timeoutMs);
    let items: number | undefined;
    for (const service of countServices) {
      const [unlocked, hidden] = await searchItems(connection, new Map([["service", service]]), timeoutMs);
      items = (items ?? 0) + unlocked.length + hidden.length;
    }
    const ready: SecretServiceState = { state: "ready", collection: alias, locked: locked === true };
    return items === undefined ? ready : { ...ready, items };
  } finally {
    connection.close();
  }
}

/**
 * The items whose attributes include `service = SERVICE`, with all their attributes, read without
 * unlocking. `undefined` for an item whose names the service hides while locked (gnome-keyring shows
 * only hashes of the attributes of a collection not unlocked since it started).
 */
export async function listItems(
  env: Env,
  services: readonly string[],
  timeoutMs = 3000,
): Promise<ListedItem[]> {
  const connection = await connect(env, timeoutMs);
  if (!(connection instanceof DbusConnection)) throw new DbusError("vsw.NoBus", connection.detail);
  try {
    const searches = await Promise.all(
      services.map((service) => searchItems(connection, new Map([["service", service]]), timeoutMs)),
    );
    const paths = [...new Set(searches.flatMap(([unlocked, locked]) => [...unlocked, ...locked]))];
    const attributes = await Promise.all(
      paths.map((path) => getProperty(connection, path, ITEM, "Attributes", timeoutMs)),
    );
    return paths.map((path, i) => ({ path, attributes: stringMap(attributes[i]) }));
  } finally {
    connection.close();
  }
}

/**
 * Adds `extra` to the attributes of the items matching `match` (the item `@napi-rs/keyring` just
 * wrote), keeping the ones it has. Whether any item was updated.
 */
export async function addAttributes(
  env: Env,
  match: ReadonlyMap<string, string>,
  extra: ReadonlyMap<string, string>,
  timeoutMs = 3000,
): Promise<boolean> {
  const connection = await connect(env, timeoutMs);
  if (!(connection instanceof DbusConnection)) throw new DbusError("vsw.NoBus", connection.detail);
  try {
    const [unlocked] = await searchItems(connection, match, timeoutMs);
    for (const path of unlocked) {
      const attributes = stringMap(await getProperty(connection, path, ITEM, "Attributes", timeoutMs));
      for (const [key, value] of extra) attributes.set(key, value);
      await withTimeout(
        connection.call({
          destination: SECRETS,
          path,
          interface: PROPERTIES,
          member: "Set",
          signature: "ssv",
          body: [ITEM, "Attributes", { signature: "a{ss}", value: attributes as Map<string, DbusValue> }],
        }),
        timeoutMs,
      );
    }
    return unlocked.length > 0;
  } finally {
    connection.close();
  }
}

function stringMap(value: DbusValue | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (value instanceof Map)
    for (const [key, entry] of value) if (typeof entry === "string") map.set(key, entry);
  return map;
}
