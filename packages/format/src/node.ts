/**
 * Node fast path: the same primitives on node:crypto (synchronous OpenSSL calls, no
 * per-call promise/thread-pool hop). Node-only entry `@chatvault/format/node`; the browser
 * entry never imports this file.
 */
import { type KeyObject, createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from "node:crypto";
import type { CryptoBackend } from "./backend.ts";
import { setDefaultBackend } from "./backend.ts";

/** Plaintext bytes per `Cipher.update` call when sealing in parts. */
const SEAL_SLICE = 64 * 1024;
/** Ciphertext bytes per `Decipher.update` call when opening into a caller's buffer. */
const OPEN_SLICE = 64 * 1024;

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

/**
 * Give a piece `Decipher.update` returned back to malloc once it is copied out, instead of
 * at V8's next collection: `ArrayBuffer.prototype.transfer(0)` detaches it and frees its
 * memory. Native from Node 21 on; on Node 20 a thread has it when its context was made
 * after the CLI asked for it (the SDK's node/young-generation.ts, `freeCopiedPiecesAtOnce`),
 * as a restore worker is. Without it, the collector frees the piece as before. Only a
 * buffer the piece covers whole is touched (a slice of Node's shared pool never is).
 * Exported for the restore's chunk opener, which frees a codec's output the same way.
 */
export function freeCopiedPiece(p: Uint8Array): void {
  const t = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (!t || p.byteOffset !== 0 || p.byteLength !== p.buffer.byteLength || !(p.buffer instanceof ArrayBuffer)) return;
  try {
    t.call(p.buffer, 0);
  } catch {
    // Not detachable: the collector's, as before.
  }
}

/**
 * `CryptoBackend.aesGcmOpenInto` without the promise (the backend's method is this, in
 * one place): the contract of `GcmOpenIntoSync` in object.ts. `key` may be a `KeyObject`
 * made once (`createSecretKey`) by a caller that opens many objects under one key.
 */
export function aesGcmOpenIntoSync(key: Uint8Array | KeyObject, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, out: Uint8Array, offset: number): boolean {
  if (sealed.length < 16) return false;
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  // In slices, as aesGcmSealParts: node:crypto has no output-buffer form and returns a
  // fresh malloc'd buffer per call; one per chunk (media chunks of every size up to
  // 8 MiB) grew a restore worker's malloc arena by ~13 MiB (docs/performance.md,
  // "Restore, round 6"), equal 64 KiB pieces are reused as they die. Each piece is
  // copied out after its ciphertext was read, which is what makes opening in place
  // (`out` the buffer `sealed` lies in, the plaintext shifted left) safe.
  const body = sealed.length - 16;
  let at = offset;
  for (let o = 0; o < body; o += OPEN_SLICE) {
    const piece = d.update(sealed.subarray(o, Math.min(body, o + OPEN_SLICE)));
    out.set(piece, at);
    at += piece.length;
    freeCopiedPiece(piece);
  }
  try {
    const fin = d.final(); // nothing is held back in GCM, but keep it if ever
    out.set(fin, at);
    return true;
  } catch {
    out.fill(0, offset, at); // no unauthenticated plaintext left behind
    return false; // "Unsupported state or unable to authenticate data"
  }
}

/** `CryptoBackend.hmacSha256` without the promise; `key` may be a `KeyObject` made once. */
export function hmacSha256Sync(key: Uint8Array | KeyObject, data: Uint8Array): Uint8Array {
  const h = createHmac("sha256", key).update(data).digest();
  return new Uint8Array(h.buffer, h.byteOffset, h.length);
}

export const nodeCryptoBackend: CryptoBackend = {
  name: "node:crypto",
  async hkdf(ikm, salt, info, length) {
    return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
  },
  async hmacSha256(key, data) {
    return new Uint8Array(createHmac("sha256", key).update(data).digest());
  },
  async sha256(data) {
    return new Uint8Array(createHash("sha256").update(data).digest());
  },
  async aesGcmSeal(key, iv, plaintext, aad) {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(aad);
    const out = new Uint8Array(plaintext.length + 16);
    const body = c.update(plaintext);
    out.set(body, 0);
    const fin = c.final();
    out.set(fin, body.length);
    out.set(c.getAuthTag(), body.length + fin.length);
    return out;
  },
  async aesGcmSealInto(key, iv, plaintext, aad, out, offset) {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(aad);
    const body = c.update(plaintext);
    out.set(body, offset);
    const fin = c.final();
    out.set(fin, offset + body.length);
    out.set(c.getAuthTag(), offset + body.length + fin.length);
  },
  async aesGcmSealParts(key, iv, plaintext, aad) {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(aad);
    // A large plaintext in slices: node:crypto returns a fresh malloc'd buffer per call,
    // and ~1 MiB ones of every size (media chunks) fragmented the threads' malloc arenas
    // past what was live (docs/performance.md, "Full backup, round 3"); equal 64 KiB
    // pieces are reused as they die. GCM is a stream
    // mode, so the pieces laid end to end are the same bytes.
    const parts: Uint8Array[] = [];
    let o = 0;
    do {
      parts.push(c.update(plaintext.subarray(o, o + SEAL_SLICE)));
      o += SEAL_SLICE;
    } while (o < plaintext.length);
    const fin = c.final(); // nothing is held back in GCM, but keep it if ever
    if (fin.length > 0) parts.push(fin);
    parts.push(c.getAuthTag());
    return parts;
  },
  async aesGcmOpenInto(key, iv, sealed, aad, out, offset) {
    return aesGcmOpenIntoSync(key, iv, sealed, aad, out, offset);
  },
  async aesGcmOpen(key, iv, sealed, aad) {
    if (sealed.length < 16) return null;
    const d = createDecipheriv("aes-256-gcm", key, iv);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    const body = d.update(sealed.subarray(0, sealed.length - 16));
    try {
      const fin = d.final();
      if (fin.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
      return new Uint8Array(Buffer.concat([body, fin]));
    } catch {
      return null; // "Unsupported state or unable to authenticate data"
    }
  },
};

/** Make node:crypto the default backend of this process. */
export function useNodeCrypto(): void {
  setDefaultBackend(nodeCryptoBackend);
}

export { nodeCryptoBackend as backend };
