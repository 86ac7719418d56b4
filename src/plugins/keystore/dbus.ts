/**
 * A minimal D-Bus client: enough of the wire protocol to call methods on the session bus and read
 * their replies (strings, object paths, booleans, integers, arrays, dicts, structs and variants).
 * The keychain plugin uses it on Linux for what `@napi-rs/keyring` cannot do: list item names and
 * their attributes without reading a secret or unlocking anything, and tell a missing bus, a
 * missing Secret Service, a missing collection and a locked one apart. Secrets never pass through
 * it. Why not a library: the D-Bus packages for Node (dbus-next, dbus-native) are unmaintained and
 * pull in streams, XML and big-integer dependencies for what is here a few read-only calls.
 */
import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { isAbsolute, join } from "node:path";

/** A D-Bus value as this client marshals it: a variant is `[signature, value]`. */
export type DbusValue = string | number | boolean | DbusValue[] | Map<string, DbusValue> | Variant;
/** A variant: its signature and its value. */
export type Variant = { signature: string; value: DbusValue };

/** An error reply (`org.freedesktop.DBus.Error.ServiceUnknown`, …) or a broken connection. */
export class DbusError extends Error {
  /** The D-Bus error name (`org.freedesktop.DBus.Error.ServiceUnknown`, or `vsw.Timeout` …). */
  readonly dbusName: string;

  constructor(dbusName: string, message: string) {
    super(message);
    this.name = "DbusError";
    this.dbusName = dbusName;
  }
}

/** One method call. */
export interface DbusCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DbusValue[];
}

const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const ERROR = 3;

/**
 * The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus` when that socket
 * exists (as libdbus and sd-bus do); `undefined` when there is none.
 */
export function sessionBusAddress(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && existsSync(join(runtime, "bus"))) {
    return `unix:path=${join(runtime, "bus")}`;
  }
  return undefined;
}

/** The Unix socket paths of an address list (`unix:path=…` and `unix:abstract=…`), in order. */
export function socketPaths(address: string): string[] {
  const paths: string[] = [];
  for (const entry of address.split(";")) {
    const colon = entry.indexOf(":");
    if (colon < 0 || entry.slice(0, colon) !== "unix") continue;
    const keys = new Map(
      entry
        .slice(colon + 1)
        .split(",")
        .map((pair) => {
          const eq = pair.indexOf("=");
          return [pair.slice(0, eq), unescapeValue(pair.slice(eq + 1))] as const;
        }),
    );
    const file = keys.get("path");
    const abstract = keys.get("abstract");
    if (file) paths.push(file);
    else if (abstract) paths.push(`\0${abstract}`);
  }
  return paths;
}

function unescapeValue(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** A connection to a bus, authenticated (EXTERNAL) and said hello to. */
export class DbusConnection {
  private serial = 1;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<
    number,
    { resolve: (body: DbusValue[]) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.pending.values()) waiter.reject(this.failure);
      this.pending.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new DbusError("vsw.Disconnected", "The D-Bus connection was closed.")));
  }

  /** Connects to the first reachable socket of `address` within `timeoutMs`. */
  static async connect(address: string, timeoutMs = 3000): Promise<DbusConnection> {
    const paths = socketPaths(address);
    if (paths.length === 0) {
      throw new DbusError("vsw.BadAddress", `The D-Bus address "${address}" names no Unix socket.`);
    }
    let last: Error | undefined;
    for (const file of paths) {
      try {
        const socket = await authenticate(file, timeoutMs);
        const connection = new DbusConnection(socket);
        await withTimeout(
          connection.call({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "Hello",
          }),
          timeoutMs,
        );
        return connection;
      } catch (error) {
        last = error as Error;
      }
    }
    throw last ?? new DbusError("vsw.NoBus", "No D-Bus socket answered.");
  }

  /** Calls a method; resolves with the reply's body, rejects with a `DbusError` for an error reply. */
  call(call: DbusCall): Promise<DbusValue[]> {
    if (this.failure) return Promise.reject(this.failure);
    const serial = this.serial++;
    const message = encodeMessage(serial, call);
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { resolve, reject });
      this.socket.write(message);
    });
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.buffer.length < 16) return;
      const little = this.buffer[0] === 0x6c;
      const u32 = (at: number) => (little ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at));
      const bodyLength = u32(4);
      const fieldsLength = u32(12);
      const headerEnd = align(16 + fieldsLength, 8);
      const total = headerEnd + bodyLength;
      if (this.buffer.length < total) return;
      const message = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      this.dispatch(message, little, headerEnd);
    }
  }

  private dispatch(message: Buffer, little: boolean, headerEnd: number): void {
    const type = message[1];
    if (type !== METHOD_RETURN && type !== ERROR) return; // signals are not ours
    const reader = new Reader(message, little, 12);
    const fields = reader.read("a(yv)") as DbusValue[][];
    const field = (code: number) => {
      const found = fields.find((f) => f[0] === code);
      return found ? (found[1] as Variant).value : undefined;
    };
    const replyTo = field(5) as number | undefined;
    const signature = (field(8) as string | undefined) ?? "";
    if (replyTo === undefined) return;
    const waiter = this.pending.get(replyTo);
    if (!waiter) return;
    this.pending.delete(replyTo);
    let body: DbusValue[];
    try {
      const bodyReader = new Reader(message, little, headerEnd);
      body = splitSignature(signature).map((one) => bodyReader.read(one));
    } catch (error) {
      waiter.reject(error as Error);
      return;
    }
    if (type === ERROR) {
      const name = (field(4) as string | undefined) ?? "org.freedesktop.DBus.Error.Failed";
      waiter.reject(new DbusError(name, typeof body[0] === "string" ? body[0] : name));
    } else {
      waiter.resolve(body);
    }
  }
}

/** Opens the socket and runs the EXTERNAL authentication. */
function authenticate(file: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // node:net is loaded when a bus is reached, not when vsw starts (the file store's runs never do).
    const socket = process.getBuiltinModule("node:net").createConnection({ path: file });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DbusError("vsw.Timeout", `The D-Bus socket ${printablePath(file)} did not answer.`));
    }, timeoutMs);
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (!text.includes("\r\n")) return;
      socket.off("data", onData);
      clearTimeout(timer);
      if (text.startsWith("OK ")) {
        socket.write("BEGIN\r\n");
        resolve(socket);
      } else {
        socket.destroy();
        reject(new DbusError("vsw.AuthFailed", "The D-Bus daemon refused this user."));
      }
    };
    socket.on("data", onData);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("connect", () => {
      const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString("hex");
      socket.write(`\0AUTH EXTERNAL ${uid}\r\n`);
    });
  });
}

function printablePath(file: string): string {
  return file.startsWith("\0") ? `@${file.slice(1)}` : file;
}

/** Rejects when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DbusError("vsw.Timeout", "D-Bus did not answer in time.")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const align = (offset: number, to: number) => Math.ceil(offset / to) * to;

/** The alignment of a type by its first character. */
function alignment(code: string): number {
  switch (code) {
    case "y":
    case "g":
    case "v":
      return 1;
    case "n":
    case "q":
      return 2;
    case "x":
    case "t":
    case "d":
    case "(":
    case "{":
      return 8;
    default:
      return 4;
  }
}

/** The end (exclusive) of the single complete type starting at `start`. */
function typeEnd(signature: string, start: number): number {
  const code = signature[start];
  if (code === "a") return typeEnd(signature, start + 1);
  if (code === "(" || code === "{") {
    const close = code === "(" ? ")" : "}";
    let at = start + 1;
    while (signature[at] !== close) {
      if (at >= signature.length)
        throw new DbusError("vsw.BadSignature", `Bad D-Bus signature "${signature}".`);
      at = typeEnd(signature, at);
    }
    return at + 1;
  }
  if (code === undefined) throw new DbusError("vsw.BadSignature", `Bad D-Bus signature "${signature}".`);
  return start + 1;
}

/** A signature split into its complete types. */
function splitSignature(signature: string): string[] {
  const types: string[] = [];
  for (let at = 0; at < signature.length; ) {
    const end = typeEnd(signature, at);
    types.push(signature.slice(at, end));
    at = end;
  }
  return types;
}

/** Little-endian marshaller (offsets count from the message start, as alignment does). */
class Writer {
  private chunks: Buffer[] = [];
  length = 0;

  bytes(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  pad(to: number): void {
    const target = align(this.length, to);
    if (target > this.length) this.bytes(Buffer.alloc(target - this.length));
  }

  u32(value: number): void {
    this.pad(4);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value >>> 0);
    this.bytes(buffer);
  }

  write(type: string, value: DbusValue): void {
    const code = type[0];
    switch (code) {
      case "y":
        this.bytes(Buffer.from([Number(value)]));
        return;
      case "b":
        this.u32(value ? 1 : 0);
        return;
      case "u":
      case "i":
        this.u32(Number(value));
        return;
      case "s":
      case "o": {
        const text = Buffer.from(String(value), "utf8");
        this.u32(text.length);
        this.bytes(text);
        this.bytes(Buffer.alloc(1));
        return;
      }
      case "g": {
        const text = Buffer.from(String(value), "utf8");
        this.bytes(Buffer.from([text.length]));
        this.bytes(text);
        this.bytes(Buffer.alloc(1));
        return;
      }
      case "v": {
        const variant = value as Variant;
        this.write("g", variant.signature);
        this.write(variant.signature, variant.value);
        return;
      }
      case "a": {
        const element = type.slice(1);
        this.pad(4);
        const lengthAt = this.chunks.length;
        this.u32(0); // patched below
        this.pad(alignment(element[0] as string));
        const start = this.length;
        if (element[0] === "{") {
          const [keyType, valueType] = splitSignature(element.slice(1, -1)) as [string, string];
          for (const [key, entry] of value as Map<string, DbusValue>) {
            this.pad(8);
            this.write(keyType, key);
            this.write(valueType, entry);
          }
        } else {
          for (const entry of value as DbusValue[]) this.write(element, entry);
        }
        (this.chunks[lengthAt] as Buffer).writeUInt32LE(this.length - start);
        return;
      }
      case "(": {
        this.pad(8);
        const fields = splitSignature(type.slice(1, -1));
        fields.forEach((field, i) => {
          this.write(field, (value as DbusValue[])[i] as DbusValue);
        });
        return;
      }
      default:
        throw new DbusError("vsw.BadSignature", `This client does not write D-Bus type "${type}".`);
    }
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Unmarshaller of either byte order. */
class Reader {
  constructor(
    private readonly buffer: Buffer,
    private readonly little: boolean,
    private offset: number,
  ) {}

  private pad(to: number): void {
    this.offset = align(this.offset, to);
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) {
      throw new DbusError("vsw.BadMessage", "A D-Bus message ended early.");
    }
  }

  private u32(): number {
    this.pad(4);
    this.need(4);
    const value = this.little ? this.buffer.readUInt32LE(this.offset) : this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  read(type: string): DbusValue {
    const code = type[0];
    switch (code) {
      case "y":
        this.need(1);
        return this.buffer[this.offset++] as number;
      case "b":
        return this.u32() !== 0;
      case "u":
        return this.u32();
      case "i":
        return this.u32() | 0;
      case "n":
      case "q": {
        this.pad(2);
        this.need(2);
        const value = this.little
          ? this.buffer.readUInt16LE(this.offset)
          : this.buffer.readUInt16BE(this.offset);
        this.offset += 2;
        return code === "n" ? (value << 16) >> 16 : value;
      }
      case "x":
      case "t":
      case "d": {
        this.pad(8);
        this.need(8);
        const at = this.offset;
        this.offset += 8;
        if (code === "d") return this.little ? this.buffer.readDoubleLE(at) : this.buffer.readDoubleBE(at);
        const big = this.little ? this.buffer.readBigUInt64LE(at) : this.buffer.readBigUInt64BE(at);
        return Number(code === "x" ? BigInt.asIntN(64, big) : big);
      }
      case "s":
      case "o": {
        const length = this.u32();
        this.need(length + 1);
        const text = this.buffer.toString("utf8", this.offset, this.offset + length);
        this.offset += length + 1;
        return text;
      }
      case "g": {
        this.need(1);
        const length = this.buffer[this.offset] as number;
        this.offset += 1;
        this.need(length + 1);
        const text = this.buffer.toString("utf8", this.offset, this.offset + length);
        this.offset += length + 1;
        return text;
      }
      case "h":
        return this.u32();
      case "v": {
        const signature = this.read("g") as string;
        return { signature, value: this.read(signature) };
      }
      case "a": {
        const element = type.slice(1);
        const length = this.u32();
        this.pad(alignment(element[0] as string));
        const end = this.offset + length;
        this.need(length);
        if (element[0] === "{") {
          const [keyType, valueType] = splitSignature(element.slice(1, -1)) as [string, string];
          const map = new Map<string, DbusValue>();
          while (this.offset < end) {
            this.pad(8);
            const key = this.read(keyType);
            map.set(String(key), this.read(valueType));
          }
          return map;
        }
        const list: DbusValue[] = [];
        while (this.offset < end) list.push(this.read(element));
        return list;
      }
      case "(": {
        this.pad(8);
        return splitSignature(type.slice(1, -1)).map((field) => this.read(field));
      }
      default:
        throw new DbusError("vsw.BadSignature", `This client does not read D-Bus type "${type}".`);
    }
  }
}

/** A method-call message. */
function encodeMessage(serial: number, call: DbusCall): Buffer {
  const signature = call.signature ?? "";
  const body = new Writer();
  splitSignature(signature).forEach((type, i) => {
    body.write(type, (call.body ?? [])[i] as DbusValue);
  });
  const bodyBuffer = body.toBuffer();
  const fields: DbusValue[][] = [
    [1, { signature: "o", value: call.path }],
    [2, { signature: "s", value: call.interface }],
    [3, { signature: "s", value: call.member }],
    [6, { signature: "s", value: call.destination }],
  ];
  if (signature) fields.push([8, { signature: "g", value: signature }]);
  const header = new Writer();
  header.bytes(Buffer.from([0x6c, METHOD_CALL, 0, 1]));
  header.u32(bodyBuffer.length);
  header.u32(serial);
  header.write("a(yv)", fields);
  header.pad(8);
  return Buffer.concat([header.toBuffer(), bodyBuffer]);
}
