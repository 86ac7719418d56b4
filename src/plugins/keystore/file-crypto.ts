/**
 * The cryptography of the `file` keystore, `node:crypto` only.
 *
 * - master key = scrypt(passphrase, salt) — scrypt because it is memory-hard and built into Node
 *   (aws-vault's file backend uses JOSE PBES2 with PBKDF2, which GPUs crack far more cheaply);
 * - a verifier, AES-256-GCM of a constant under the master key, so a wrong passphrase is detected
 *   before anything is read or written;
 * - per item: key = HKDF-SHA256(master, fresh salt, "vsw-item"), AES-256-GCM with a fresh 12-byte
 *   nonce, the item name and clear `expiresAt` bound as associated data (a renamed file or an edited
 *   expiry fails authentication).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from "node:crypto";

/** scrypt cost parameters (RFC 7914). */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** The KDF record kept in the store's metadata. */
export interface KdfParams extends ScryptCost {
  name: "scrypt";
  /** base64 of 16 random bytes. */
  salt: string;
}

/** An AES-256-GCM ciphertext, base64 fields. */
export interface Sealed {
  nonce: string;
  data: string;
  tag: string;
}

/** The on-disk item record: clear metadata plus the sealed value. */
export interface ItemRecord extends Sealed {
  version: 1;
  /** Clear copy of the name (read by `list()` for hashed file names); never trusted for decryption. */
  name: string;
  expiresAt?: number;
  /** base64 HKDF salt, fresh per write. */
  salt: string;
}

/**
 * Default cost: N = 2^17, r = 8 (128 MiB, ~0.45 s here), the OWASP minimum for scrypt; paid once per
 * login session thanks to the unlock cache.
 */
export const DEFAULT_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const VERIFIER_AAD = Buffer.from("vsw-verifier");
const VERIFIER_PLAINTEXT = Buffer.from("vsw file keystore verifier v1");

/** Fresh KDF parameters for a new store. */
export function newKdfParams(cost: ScryptCost): KdfParams {
  return { name: "scrypt", N: cost.N, r: cost.r, p: cost.p, salt: randomBytes(16).toString("base64") };
}

/**
 * The most scrypt may cost: 1 GiB of memory (128·N·r bytes) and 16 times the default work (N·r·p),
 * about 7 s here. Why: the parameters are read from store.json, and a tampered or hostile file must
 * not make vsw allocate gigabytes or spin for minutes before it can say the passphrase is wrong.
 */
export const MAX_SCRYPT = {
  memoryBytes: 2 ** 30,
  work: 16 * DEFAULT_SCRYPT.N * DEFAULT_SCRYPT.r * DEFAULT_SCRYPT.p,
};

/** Whether a scrypt cost stays within {@link MAX_SCRYPT}. */
export function kdfWithinLimits(cost: ScryptCost): boolean {
  return 128 * cost.N * cost.r <= MAX_SCRYPT.memoryBytes && cost.N * cost.r * cost.p <= MAX_SCRYPT.work;
}

/** Whether stored KDF parameters are well-formed and within {@link MAX_SCRYPT}. */
export function validKdf(kdf: unknown): kdf is KdfParams {
  const k = kdf as Partial<KdfParams> | null;
  return (
    typeof k === "object" &&
    k !== null &&
    k.name === "scrypt" &&
    isInt(k.N, 2, 2 ** 30) &&
    (k.N & (k.N - 1)) === 0 &&
    isInt(k.r, 1, 2 ** 10) &&
    isInt(k.p, 1, 2 ** 10) &&
    kdfWithinLimits(k as ScryptCost) &&
    typeof k.salt === "string" &&
    Buffer.from(k.salt, "base64").length >= 16
  );
}

/** Derives the master key (async: the event loop stays free, e.g. for a lock heartbeat). */
export function deriveMasterKey(passphrase: string, kdf: KdfParams): Promise<Buffer> {
  // Why NFC: the same passphrase typed on two terminals may arrive composed or decomposed.
  const secret = Buffer.from(passphrase.normalize("NFC"), "utf8");
  const maxmem = 256 * kdf.N * kdf.r * kdf.p; // scrypt needs 128·N·r bytes; leave headroom.
  return new Promise((resolve, reject) => {
    scrypt(secret, Buffer.from(kdf.salt, "base64"), KEY_BYTES, { ...kdf, maxmem }, (error, key) => {
      secret.fill(0);
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Seals the verifier constant under a new master key. */
export function createVerifier(master: Buffer): Sealed {
  return seal(master, VERIFIER_PLAINTEXT, VERIFIER_AAD);
}

/** Whether `master` opens the verifier, i.e. was derived from the right passphrase. */
export function checkVerifier(master: Buffer, verifier: Sealed): boolean {
  const plain = unseal(master, verifier, VERIFIER_AAD);
  return plain !== undefined && timingSafeEqual(plain, VERIFIER_PLAINTEXT);
}

/** HMAC-SHA256(master, passphrase): lets a cached key vouch for an explicit passphrase without scrypt. */
export function passphraseMac(master: Buffer, passphrase: string): Buffer {
  return createHmac("sha256", master).update(passphrase.normalize("NFC"), "utf8").digest();
}

/** Encrypts one item value. */
export function sealItem(master: Buffer, name: string, value: string, expiresAt?: number): ItemRecord {
  const salt = randomBytes(16);
  const plain = Buffer.from(value, "utf8");
  const sealed = seal(itemKey(master, salt), plain, itemAad(name, expiresAt));
  plain.fill(0);
  const record: ItemRecord = { version: 1, name, salt: salt.toString("base64"), ...sealed };
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  return record;
}

/** Decrypts one item value, authenticating it against the name it was asked for; `undefined` if that fails. */
export function openItem(master: Buffer, name: string, record: ItemRecord): string | undefined {
  const key = itemKey(master, Buffer.from(record.salt, "base64"));
  return unseal(key, record, itemAad(name, record.expiresAt))?.toString("utf8");
}

/** Parses an item file; `undefined` when it is not a well-formed record. */
export function parseItem(text: string): ItemRecord | undefined {
  let value: Partial<ItemRecord>;
  try {
    value = JSON.parse(text) as Partial<ItemRecord>;
  } catch {
    return undefined;
  }
  const ok =
    typeof value === "object" &&
    value !== null &&
    value.version === 1 &&
    typeof value.name === "string" &&
    typeof value.salt === "string" &&
    typeof value.nonce === "string" &&
    typeof value.data === "string" &&
    typeof value.tag === "string" &&
    (value.expiresAt === undefined || Number.isFinite(value.expiresAt));
  return ok ? (value as ItemRecord) : undefined;
}

/** HKDF's counter byte for the first (and only) block. */
const ONE = Buffer.of(1);

/**
 * HKDF-SHA256 (RFC 5869) with 32 bytes of output: as the RFC defines it for one block, two HMACs
 * (extract with the salt, then expand with `info` and the counter byte 1). Why not `hkdfSync`: its
 * first call in a process costs ~0.3 ms (OpenSSL fetches its KDF), and every switch opens an item.
 * The same bytes: test/keystore-file.test.ts checks them against `hkdfSync` and the RFC's vector.
 */
export function hkdfSha256(ikm: Buffer, salt: Buffer, info: string | Buffer): Buffer {
  const prk = createHmac("sha256", salt).update(ikm).digest();
  return createHmac("sha256", prk).update(info).update(ONE).digest();
}

/** An item's key: HKDF-SHA256 of the master key with the item's salt and "vsw-item". */
function itemKey(master: Buffer, salt: Buffer): Buffer {
  return hkdfSha256(master, salt, "vsw-item").subarray(0, KEY_BYTES);
}

function itemAad(name: string, expiresAt: number | undefined): Buffer {
  return Buffer.from(JSON.stringify(["vsw-item", 1, name, expiresAt ?? null]), "utf8");
}

function seal(key: Buffer, plain: Buffer, aad: Buffer): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    nonce: nonce.toString("base64"),
    data: data.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

function unseal(key: Buffer, sealed: Sealed, aad: Buffer): Buffer | undefined {
  try {
    const nonce = Buffer.from(sealed.nonce, "base64");
    const tag = Buffer.from(sealed.tag, "base64");
    if (nonce.length !== NONCE_BYTES || tag.length !== 16) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]);
  } catch {
    return undefined;
  }
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}
