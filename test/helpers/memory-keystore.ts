/**
 * A keystore in a Map, for in-process tests of the core and its hooks: it logs every value read
 * (listing names is not a read), and `watch` sees each read first (and may throw to fail it).
 */
import type { Keystore, KeystoreItem } from "../../src/plugin.js";

export interface MemoryKeystore {
  keystore: Keystore;
  items: Map<string, { value: string; expiresAt?: number }>;
  /** The names whose values were read, in order. */
  reads: string[];
  /** Calls `fn` with the name of every read before answering it; `fn` may throw. */
  watch(fn: (name: string) => void): void;
}

/** A fresh, empty in-memory keystore named `memory`. */
export function memoryKeystore(): MemoryKeystore {
  const items = new Map<string, { value: string; expiresAt?: number }>();
  const reads: string[] = [];
  let onRead: (name: string) => void = () => {};
  const keystore: Keystore = {
    name: "memory",
    async open() {},
    async list(prefix = "") {
      return [...items]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, item]): KeystoreItem => ({ name, expiresAt: item.expiresAt }));
    },
    async get(name) {
      reads.push(name);
      onRead(name);
      return items.get(name)?.value;
    },
    async set(name, value, meta) {
      items.set(name, { value, expiresAt: meta?.expiresAt });
    },
    async delete(name) {
      return items.delete(name);
    },
  };
  return {
    keystore,
    items,
    reads,
    watch(fn) {
      onRead = fn;
    },
  };
}
