/**
 * Buffers a writer fills and then puts whole (a backup's packs), in memory a storage may
 * write without copying it first. The folder adapter writes large puts with `O_DIRECT`
 * (fs/direct-write.ts), which needs page-aligned memory: bytes of unknown address are
 * copied into aligned staging buffers first, ~1.2 GB of `memmove` on the main thread for a
 * full backup of the bench's corpus (docs/performance.md). A buffer from `putBuffer` is the
 * memory of a `WebAssembly.Memory`, which V8 maps on page boundaries, so such a put is
 * written in place.
 *
 * Browser-safe (WebAssembly only); where no such memory can be had (`node --jitless`, no
 * address space) it is an ordinary `Uint8Array`, and every storage copies as before.
 */

const WASM_PAGE = 64 * 1024;
/** The backing stores `putBuffer` made page-aligned. */
const aligned = new WeakSet<ArrayBufferLike>();

/**
 * A zero-filled buffer of at least `size` bytes (rounded up to 64 KiB) for a later `put` of
 * a view of it from offset 0. Such a put may overwrite the bytes past the view's end up to
 * the next 4 KiB (the padding of its last block): a caller must not keep data there.
 */
export function putBuffer(size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError("size must be a non-negative integer");
  const pages = Math.max(1, Math.ceil(size / WASM_PAGE));
  if (typeof WebAssembly === "object") {
    try {
      const buf = new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer;
      aligned.add(buf);
      return new Uint8Array(buf);
    } catch {
      // no WebAssembly memory here: an ordinary buffer
    }
  }
  return new Uint8Array(pages * WASM_PAGE);
}

/** Whether `data`'s memory came from `putBuffer` (so its first byte is on a page boundary). */
export function inPutBuffer(data: Uint8Array): boolean {
  return aligned.has(data.buffer);
}
