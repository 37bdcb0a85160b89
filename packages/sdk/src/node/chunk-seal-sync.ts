/**
 * A chunk task's keyed chunk ID and seal as plain synchronous calls on node:crypto, for
 * the chunk tasks (chunk-tasks.ts) when the key schedule's backend is node:crypto.
 *
 * The same calls as `chunkId` (HMAC-SHA256 under the chunk-ID key, spec §3) and
 * `sealChunk` → `sealObjectParts` (compress if it pays, AES-256-GCM with a fresh random
 * 96-bit nonce and the object's AAD, spec §5.2 and §8.3), and the same bytes: only the
 * promises are gone. The backend's methods are `async` (the interface also fits Web
 * Crypto), so each chunk cost five to six promise hops and their objects, ~62,000 chunks
 * in a full backup of the bench corpus, 46,000 of them 4 KiB database pages
 * (docs/performance.md, "Full backup, round 9"). No primitive is implemented here.
 */
import { createCipheriv, createHmac, randomFillSync } from "node:crypto";
import { FORMAT_VERSION, type KeySchedule, NONCE_LENGTH, ObjectKind, objectAad } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { codecFlags } from "../repo/chunk-index.ts";
import type { Compressor } from "../backup/compressor.ts";

/** Plaintext bytes per `Cipher.update` call: equal 64 KiB pieces, as the node backend's `aesGcmSealParts`. */
const SEAL_SLICE = 64 * 1024;
/** Nonces are drawn from the CSPRNG this many bytes at a time; every byte is handed out once. */
const POOL = 4096 - (4096 % NONCE_LENGTH);

export interface SyncChunkSealer {
  /** The keyed chunk ID of `plain`. */
  id(plain: Uint8Array): Uint8Array;
  /** `plain` compressed if it pays and sealed bound to `id`, as pieces to lay end to end. */
  seal(id: Uint8Array, plain: Uint8Array, compressible: boolean): { data: Uint8Array[]; length: number; flags: number };
}

/**
 * The synchronous sealer for `keys`, or undefined when its backend is not node:crypto
 * (then the caller takes the backend's asynchronous path). `random` fills a buffer with
 * fresh random bytes (tests pass a fixed one to compare bytes with `sealObjectParts`).
 */
export function syncChunkSealer(keys: KeySchedule, compressor: Compressor, random: (out: Uint8Array) => void = randomFillSync): SyncChunkSealer | undefined {
  if (keys.backend !== nodeCryptoBackend) return undefined;
  const idKey = keys.chunkId.unsafeBytes();
  const encKey = keys.chunkEncryption.unsafeBytes();
  let pool = new Uint8Array(0);
  let at = 0;
  return {
    id: (plain) => new Uint8Array(createHmac("sha256", idKey).update(plain).digest()),
    seal(id, plain, compressible) {
      const packed = compressible ? compressor.compress(plain) : null;
      const body = packed?.bytes ?? plain;
      if (at + NONCE_LENGTH > pool.length) {
        pool = new Uint8Array(POOL);
        random(pool);
        at = 0;
      }
      const header = new Uint8Array(1 + NONCE_LENGTH);
      header[0] = FORMAT_VERSION;
      header.set(pool.subarray(at, at + NONCE_LENGTH), 1);
      at += NONCE_LENGTH;
      const c = createCipheriv("aes-256-gcm", encKey, header.subarray(1));
      c.setAAD(objectAad({ kind: ObjectKind.chunk, id }));
      const data: Uint8Array[] = [header];
      let length = header.length;
      let o = 0;
      do {
        const piece = c.update(body.subarray(o, o + SEAL_SLICE));
        data.push(piece);
        length += piece.length;
        o += SEAL_SLICE;
      } while (o < body.length);
      const fin = c.final(); // GCM holds nothing back; kept if it ever does
      if (fin.length > 0) data.push(fin);
      const tag = c.getAuthTag();
      data.push(tag);
      length += fin.length + tag.length;
      return { data, length, flags: codecFlags(packed?.codec ?? null) };
    },
  };
}
