/**
 * Sealed chunks' pieces given back as soon as they are copied (into a pack, or a worker's
 * part), instead of when V8 next collects. node:crypto returns a fresh malloc'd buffer for
 * every `Cipher.update` (64 KiB each, backup/chunk-store.ts), and a dead ArrayBuffer's
 * memory is freed only by a collection; a thread that seals and keeps its young generation
 * small allocates so few heap objects per sealed MiB that ~20–30 MiB of dead pieces piled
 * up between collections, resident in its malloc arena (docs/performance.md, "Full backup,
 * round 8"). `ArrayBuffer.prototype.transfer(0)` detaches a buffer and frees its memory at
 * once: native from Node 21 on (and in browsers); on Node 20 the CLI turns it on
 * (node/young-generation.ts, `freeCopiedPiecesAtOnce`). Without it this does nothing, and
 * the collector frees the pieces as before.
 */
type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

let transfer: Transfer | undefined = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;

/** The `transfer` of another realm of this thread (Node 20: a context made after the flag was set). */
export function useTransfer(t: Transfer): void {
  transfer = t;
}

/** Whether `freePieces` frees anything on this thread. */
export function freesPieces(): boolean {
  return transfer !== undefined;
}

/**
 * Pieces this small (the 13-byte header, the 16-byte tag) are left to the collector:
 * freeing them buys nothing. A sealed database page's ciphertext (~2.5 KiB) is freed.
 */
const WORTH_FREEING = 1024;

/**
 * Free the memory of `pieces` now. Only for pieces the caller made (`sealChunk`'s) and
 * has copied: each is left empty (detached), and anything else viewing the same buffer
 * would be too — so only buffers a piece covers whole are touched (a slice of Node's
 * shared `Buffer` pool never covers its pool).
 */
export function freePieces(pieces: readonly Uint8Array[]): void {
  const t = transfer;
  if (!t) return;
  for (const p of pieces) {
    const b = p.buffer;
    if (p.byteOffset !== 0 || p.byteLength < WORTH_FREEING || p.byteLength !== b.byteLength || !(b instanceof ArrayBuffer)) continue;
    try {
      t.call(b, 0);
    } catch {
      // Not detachable (a WebAssembly memory's): the collector's, as before.
    }
  }
}
