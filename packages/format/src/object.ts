/**
 * Sealed objects (spec §5): one AES-256-GCM message bound to its context.
 *
 *   sealed = version (1 byte, 0x01) ‖ nonce (12 bytes, random) ‖ ciphertext ‖ tag (16 bytes)
 *   AAD    = version ‖ kind (1 byte) ‖ len(objectId) (1 byte) ‖ objectId
 *
 * Binding kind and object ID means a ciphertext moved to another name, or reused as
 * another kind of object, fails to open.
 */
import type { CryptoBackend, RandomSource } from "./backend.ts";
import { platformRandom } from "./backend.ts";
import { toHex, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";

export const FORMAT_VERSION = 1;
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
/** Bytes a sealed object adds to its plaintext. */
export const SEAL_OVERHEAD = 1 + NONCE_LENGTH + TAG_LENGTH;

/** Object kinds (spec §5.1). Values are part of the format: never reuse one. */
export const ObjectKind = {
  chunk: 1,
  index: 2,
  snapshot: 3,
  config: 4,
  head: 5,
  vaultRecord: 6,
  packHeader: 7,
  stream: 8,
  lock: 9,
} as const;
export type ObjectKindName = keyof typeof ObjectKind;
export type ObjectKindValue = (typeof ObjectKind)[ObjectKindName];

/** What a sealed object is bound to. `id` is bytes (e.g. a chunk ID) or a name (UTF-8). */
export interface ObjectContext {
  kind: ObjectKindValue;
  id: Uint8Array | string;
}

export function contextId(ctx: ObjectContext): Uint8Array {
  const id = typeof ctx.id === "string" ? utf8(ctx.id) : ctx.id;
  if (id.length > 255) throw new RangeError(`object id is ${id.length} bytes; at most 255`);
  return id;
}

export function printableId(ctx: ObjectContext): string {
  return typeof ctx.id === "string" ? ctx.id : toHex(ctx.id);
}

export function objectAad(ctx: ObjectContext): Uint8Array {
  const id = contextId(ctx);
  const aad = new Uint8Array(3 + id.length);
  aad[0] = FORMAT_VERSION;
  aad[1] = ctx.kind;
  aad[2] = id.length;
  aad.set(id, 3);
  return aad;
}

export async function sealObject(
  backend: CryptoBackend,
  key: Uint8Array,
  ctx: ObjectContext,
  plaintext: Uint8Array,
  random: RandomSource = platformRandom,
): Promise<Uint8Array> {
  const nonce = random === platformRandom ? pooledNonce() : random(NONCE_LENGTH);
  const aad = objectAad(ctx);
  if (backend.aesGcmSealInto) {
    // One buffer, the ciphertext written once behind the header (spec §5.2).
    const out = new Uint8Array(SEAL_OVERHEAD + plaintext.length);
    out[0] = FORMAT_VERSION;
    out.set(nonce, 1);
    await backend.aesGcmSealInto(key, nonce, plaintext, aad, out, 1 + NONCE_LENGTH);
    return out;
  }
  const ct = await backend.aesGcmSeal(key, nonce, plaintext, aad);
  const out = new Uint8Array(1 + NONCE_LENGTH + ct.length);
  out[0] = FORMAT_VERSION;
  out.set(nonce, 1);
  out.set(ct, 1 + NONCE_LENGTH);
  return out;
}

/**
 * The same bytes as `sealObject`, as pieces to be laid end to end (header first), for a
 * caller that copies them into a larger buffer anyway: a backup copies each sealed chunk
 * into a pack (spec §8.3), so the ciphertext is copied once instead of twice. On a
 * backend without `aesGcmSealParts` it is the one piece `sealObject` returns.
 */
export async function sealObjectParts(
  backend: CryptoBackend,
  key: Uint8Array,
  ctx: ObjectContext,
  plaintext: Uint8Array,
  random: RandomSource = platformRandom,
): Promise<Uint8Array[]> {
  if (!backend.aesGcmSealParts) return [await sealObject(backend, key, ctx, plaintext, random)];
  const header = new Uint8Array(1 + NONCE_LENGTH);
  header[0] = FORMAT_VERSION;
  header.set(random === platformRandom ? pooledNonce() : random(NONCE_LENGTH), 1);
  const parts = await backend.aesGcmSealParts(key, header.subarray(1), plaintext, objectAad(ctx));
  return [header, ...parts];
}

/**
 * Fresh random nonces drawn from the platform CSPRNG 4 KiB at a time rather than 12
 * bytes per object (one `getRandomValues` call per ~340 objects). Every byte of the pool
 * is handed out once and never reused.
 */
const POOL = 4096 - (4096 % NONCE_LENGTH);
let pool: Uint8Array = new Uint8Array(0);
let poolAt = 0;
function pooledNonce(): Uint8Array {
  if (poolAt + NONCE_LENGTH > pool.length) {
    pool = platformRandom(POOL);
    poolAt = 0;
  }
  const n = pool.subarray(poolAt, poolAt + NONCE_LENGTH);
  poolAt += NONCE_LENGTH;
  return n;
}

/** The checks before opening (spec §5.2): length and version; the plaintext's length. */
function checkSealed(sealed: Uint8Array, where: string): number {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new IntegrityError("too_short", `sealed object is ${sealed.length} bytes, shorter than the ${SEAL_OVERHEAD}-byte minimum`, where);
  }
  if (sealed[0] !== FORMAT_VERSION) {
    throw new IntegrityError("unsupported_version", `sealed object has format version ${sealed[0]}, expected ${FORMAT_VERSION}`, where);
  }
  return sealed.length - SEAL_OVERHEAD;
}

/**
 * Open a sealed object. Throws `IntegrityError` with reason `too_short`,
 * `unsupported_version` or `auth_failed` (tampered, truncated, wrong object or wrong key:
 * callers check the key-check value first so a wrong key is reported as such).
 */
export async function openObject(backend: CryptoBackend, key: Uint8Array, ctx: ObjectContext, sealed: Uint8Array): Promise<Uint8Array> {
  const where = printableId(ctx);
  checkSealed(sealed, where);
  const pt = await backend.aesGcmOpen(key, sealed.subarray(1, 1 + NONCE_LENGTH), sealed.subarray(1 + NONCE_LENGTH), objectAad(ctx));
  if (pt === null) throw new IntegrityError("auth_failed", "sealed object failed authentication", where);
  return pt;
}

/** `checkSealed`, and room in `out` at `offset` for the plaintext (`RangeError` otherwise). */
function checkInto(sealed: Uint8Array, where: string, out: Uint8Array, offset: number): number {
  const length = checkSealed(sealed, where);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset is ${offset}; a non-negative integer expected`);
  if (offset + length > out.length) throw new RangeError(`out has ${Math.max(0, out.length - offset)} bytes at offset ${offset}; the plaintext is ${length}`);
  return length;
}

/**
 * `openObject` with the plaintext written into `out` at `offset` (it must have room for
 * `sealed.length - SEAL_OVERHEAD` bytes there, else `RangeError`); resolves with the
 * plaintext's length. The same bytes and the same `IntegrityError`s (`too_short`,
 * `unsupported_version`, `auth_failed`) as `openObject`; after a failure no plaintext is
 * left in `out` (the bytes written, if any, are zeroed). `out` may be the buffer `sealed`
 * lies in when the plaintext starts at or before the ciphertext, i.e. `out`'s byte at
 * `offset` is at or before `sealed`'s first byte in memory: opened in place, shifted left
 * (the pieces are written each after its ciphertext was read). For a caller that lays
 * plaintexts into one buffer anyway (a restore's range, spec §8.8): no fresh buffer and
 * no copy of it per object.
 */
export async function openObjectInto(
  backend: CryptoBackend,
  key: Uint8Array,
  ctx: ObjectContext,
  sealed: Uint8Array,
  out: Uint8Array,
  offset = 0,
): Promise<number> {
  const where = printableId(ctx);
  const length = checkInto(sealed, where, out, offset);
  const iv = sealed.subarray(1, 1 + NONCE_LENGTH);
  const body = sealed.subarray(1 + NONCE_LENGTH);
  const aad = objectAad(ctx);
  if (backend.aesGcmOpenInto) {
    if (!(await backend.aesGcmOpenInto(key, iv, body, aad, out, offset))) throw new IntegrityError("auth_failed", "sealed object failed authentication", where);
    return length;
  }
  const pt = await backend.aesGcmOpen(key, iv, body, aad);
  if (pt === null) throw new IntegrityError("auth_failed", "sealed object failed authentication", where);
  out.set(pt, offset);
  return length;
}

/**
 * A synchronous AES-256-GCM open into a caller's buffer, with the contract of
 * `CryptoBackend.aesGcmOpenInto` (`false` on a failed authentication, the bytes written
 * then zeroed; in place allowed, plaintext at or before the ciphertext). WebCrypto has
 * none; node:crypto does (`aesGcmOpenIntoSync` in `@chatvault/format/node`). `K` is the
 * key as that platform takes it (bytes, or a key object made once).
 */
export type GcmOpenIntoSync<K> = (key: K, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, out: Uint8Array, offset: number) => boolean;

/**
 * `openObjectInto` on a synchronous open (`GcmOpenIntoSync`): the same checks in the same
 * order, the same `IntegrityError`s (`too_short`, `unsupported_version`, `auth_failed`) and
 * `RangeError`s, the same bytes; returns the plaintext's length. For a caller that opens
 * thousands of small objects in a row (a restore's database pages, spec §8.8), where a
 * promise per object cost more than the object's cryptography.
 */
export function openObjectIntoSync<K>(open: GcmOpenIntoSync<K>, key: K, ctx: ObjectContext, sealed: Uint8Array, out: Uint8Array, offset = 0): number {
  const where = printableId(ctx);
  const length = checkInto(sealed, where, out, offset);
  if (!open(key, sealed.subarray(1, 1 + NONCE_LENGTH), sealed.subarray(1 + NONCE_LENGTH), objectAad(ctx), out, offset))
    throw new IntegrityError("auth_failed", "sealed object failed authentication", where);
  return length;
}
