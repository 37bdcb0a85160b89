/**
 * Writing a large new file around the page cache (`O_DIRECT`), for the filesystem
 * adapter's durable puts.
 *
 * A put must be on the disk before it returns, so every byte of it is written and then
 * fsynced. Through the page cache that costs the kernel a page allocation, a copy and the
 * dirty-page accounting for every 4 KiB, and the fsync then waits for writeback of all of
 * it: measured on this project's machines (ext4 on a virtio disk), 1 GiB in 8 MiB writes
 * plus `fdatasync` took 0.9–1.1 s of system CPU and 1.3–1.8 s, where `O_DIRECT` writes took
 * 0.11–0.13 s of system CPU and 0.5–0.6 s (docs/performance.md, "Full backup: pack writes
 * around the page cache"). A backup writes each pack once and does not read it back, so the
 * cache gains nothing from holding it.
 *
 * `O_DIRECT` needs the memory, the file offset and the length aligned to the device's
 * block size. A put of a buffer from `putBuffer` (put-buffer.ts: page-aligned, with room
 * for the padding) is written in place, in one write. Other bytes have no known address, so they are copied (a plain
 * memcpy, ~0.1 ms per MiB) into page-aligned staging buffers — the memory of a
 * `WebAssembly.Memory`, which V8 maps on page boundaries — and written from there, two
 * 2 MiB buffers taking turns so one is filled while the other is written. The last block is
 * zero-padded, and the file is truncated back to its length before the fsync.
 *
 * Durability is unchanged: `O_DIRECT` does not flush the device's cache nor the file's
 * metadata, so the caller fsyncs after, exactly as on the buffered path. Where `O_DIRECT`
 * is refused (`EINVAL`, or "not supported": tmpfs before Linux 6.6, some network and FUSE filesystems, a
 * device with blocks larger than 4 KiB) the file is written through the page cache
 * instead, and that storage stops trying.
 */
import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { inPutBuffer } from "../put-buffer.ts";

/** Alignment of memory, offsets and lengths: the largest logical block size in common use. */
export const DIRECT_BLOCK = 4096;
const BLOCK = DIRECT_BLOCK;
/** One staging buffer; two are used per file being written. 2 MiB: big writes, little memory. */
const STAGE_BYTES = 2 * 1024 * 1024;
/** Smaller files go through the page cache: a direct write of a few KiB gains nothing. */
export const DIRECT_MIN_BYTES = 1024 * 1024;
/** Pairs of staging buffers kept for the next files (a local backup writes one pack at a time). */
const KEEP_STAGES = 2;

/** `O_DIRECT` where the platform has it (Linux); undefined elsewhere. */
const O_DIRECT: number | undefined = (constants as { O_DIRECT?: number }).O_DIRECT;

const WASM_PAGE = 64 * 1024;
/** Pairs of staging buffers not in use, by size, each pair one `WebAssembly.Memory` (page-aligned). */
const idle = new Map<number, [Uint8Array, Uint8Array][]>();

/** A pair of staging buffers of `bytes` each, or undefined when page-aligned memory cannot be had (no WebAssembly under `--jitless`, no address space). */
function takeStages(bytes = STAGE_BYTES): [Uint8Array, Uint8Array] | undefined {
  const kept = idle.get(bytes)?.pop();
  if (kept) return kept;
  const pages = Math.ceil((2 * bytes) / WASM_PAGE);
  let memory: Uint8Array;
  try {
    memory = new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer);
  } catch {
    return undefined;
  }
  return [memory.subarray(0, bytes), memory.subarray(bytes, 2 * bytes)];
}

function returnStages(stages: [Uint8Array, Uint8Array]): void {
  const bytes = stages[0].length;
  let kept = idle.get(bytes);
  if (!kept) idle.set(bytes, (kept = []));
  if (kept.length < KEEP_STAGES) kept.push(stages);
}

/** Whether this platform can try a direct write at all. */
export function directWritesAvailable(): boolean {
  return O_DIRECT !== undefined && process.platform === "linux" && typeof WebAssembly === "object";
}

/**
 * Create `path` (it must not exist) with `mode` and write `data` to it with `O_DIRECT`.
 * Returns the open handle (for the caller's fsync and close), or `undefined` when the
 * filesystem refused direct I/O (or no page-aligned memory could be had) — then nothing
 * of this call is left at `path`, and the caller writes it through the page cache. Any
 * other error is thrown, with nothing of this call left at `path` (an existing file there
 * is `EEXIST`, and untouched).
 */
export async function writeNewFileDirect(path: string, data: Uint8Array, mode: number): Promise<FileHandle | undefined> {
  const padded = Math.ceil(data.length / BLOCK) * BLOCK;
  // A put buffer (put-buffer.ts) is page-aligned memory with room for the last block's padding: written in place.
  const inPlace = inPutBuffer(data) && data.byteOffset % BLOCK === 0 && data.byteOffset + padded <= data.buffer.byteLength;
  const stages = inPlace ? undefined : takeStages();
  if (!inPlace && !stages) return undefined;
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_DIRECT!, mode);
  } catch (error) {
    if (stages) returnStages(stages);
    if (refused(error)) return undefined;
    throw error;
  }
  if (!stages) return writeInPlace(fh, path, data, padded);
  try {
    await writeStaged(fh, stages, [data], 0, data.length);
    if (data.length % BLOCK !== 0) await fh.truncate(data.length);
    return fh;
  } catch (error) {
    await fh.close().catch(() => {});
    await unlink(path).catch(() => {});
    if (refused(error)) return undefined;
    throw error;
  } finally {
    returnStages(stages);
  }
}

/**
 * Copy `length` bytes of `parts` (laid end to end) into the staging pair in turns and
 * write them at `position`, the last block zero-padded: one buffer is filled while the
 * other is written. Returns once every write has ended; the first error is thrown after
 * the other write ended too.
 */
async function writeStaged(fh: FileHandle, stages: [Uint8Array, Uint8Array], parts: readonly Uint8Array[], position: number, length: number): Promise<void> {
  const pending: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let part = 0;
  let inPart = 0;
  try {
    const step = stages[0].length;
    for (let pos = 0, turn = 0; pos < length; pos += step, turn ^= 1) {
      const n = Math.min(step, length - pos);
      const stage = stages[turn]!;
      // This buffer was last written two slices ago: that write must have ended.
      await pending[turn];
      for (let filled = 0; filled < n;) {
        const p = parts[part]!;
        const take = Math.min(n - filled, p.length - inPart);
        stage.set(p.subarray(inPart, inPart + take), filled);
        filled += take;
        inPart += take;
        if (inPart === p.length) {
          part++;
          inPart = 0;
        }
      }
      const padded = Math.ceil(n / BLOCK) * BLOCK;
      stage.fill(0, n, padded);
      pending[turn] = writeAll(fh, stage.subarray(0, padded), position + pos);
      pending[turn]!.catch(() => {}); // awaited next turn or below
    }
    await Promise.all(pending);
  } catch (error) {
    await Promise.allSettled(pending);
    throw error;
  }
}

/**
 * Open the existing file `path` for direct writes (`writeDirectAt`), beside the caller's
 * ordinary handle. `undefined` when this platform or filesystem does not do direct I/O;
 * any other error is thrown.
 */
export async function openDirect(path: string | Buffer): Promise<FileHandle | undefined> {
  if (!directWritesAvailable()) return undefined;
  try {
    return await open(path, constants.O_WRONLY | O_DIRECT!);
  } catch (error) {
    if (refused(error)) return undefined;
    throw error;
  }
}

/**
 * Write `length` bytes of `parts` (laid end to end) at `position` of a file opened with
 * `openDirect`, through page-aligned staging buffers. `position` and `length` must be
 * multiples of `DIRECT_BLOCK` (a caller writes the partial blocks at either end through
 * its ordinary handle, so a direct and a buffered write never share a block). Returns
 * false when the filesystem refused direct I/O (or no aligned memory could be had): then
 * the caller writes the same bytes through the page cache, and should stop trying. The
 * caller fsyncs after, as on the buffered path. `stageBytes`: the size of each of the two
 * staging buffers (default 2 MiB; a caller with several writes in flight may want less memory).
 */
export async function writeDirectAt(
  fh: FileHandle,
  parts: readonly Uint8Array[],
  position: number,
  length: number,
  stageBytes = STAGE_BYTES,
): Promise<boolean> {
  if (position % BLOCK !== 0 || length % BLOCK !== 0) throw new RangeError(`direct write at ${position}+${length}: not whole ${BLOCK}-byte blocks`);
  if (stageBytes % BLOCK !== 0 || stageBytes <= 0) throw new RangeError(`staging buffers of ${stageBytes} bytes: not whole ${BLOCK}-byte blocks`);
  const stages = takeStages(stageBytes);
  if (!stages) return false;
  try {
    await writeStaged(fh, stages, parts, position, length);
    return true;
  } catch (error) {
    if (refused(error)) return false;
    throw error;
  } finally {
    returnStages(stages);
  }
}

/**
 * `data` written from its own memory: its last block padded with zeros past its end (room
 * the put buffer's contract gives), one write, the file truncated back to its length.
 */
async function writeInPlace(fh: FileHandle, path: string, data: Uint8Array, padded: number): Promise<FileHandle | undefined> {
  try {
    const whole = new Uint8Array(data.buffer, data.byteOffset, padded);
    whole.fill(0, data.length);
    await writeAll(fh, whole, 0);
    if (data.length % BLOCK !== 0) await fh.truncate(data.length);
    return fh;
  } catch (error) {
    await fh.close().catch(() => {});
    await unlink(path).catch(() => {});
    if (refused(error)) return undefined;
    throw error;
  }
}

/** The filesystem does not do direct I/O (Linux says EINVAL; some filesystems say not supported). */
function refused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EINVAL" || code === "EOPNOTSUPP" || code === "ENOTSUP";
}

/** Write all of `buf` at `position` (a direct write may return short at the end of a device's limits). */
async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < buf.length;) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
    done += bytesWritten;
  }
}
