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
const BLOCK = 4096;
/** One staging buffer; two are used per file being written. 2 MiB: big writes, little memory. */
const STAGE_BYTES = 2 * 1024 * 1024;
/** Smaller files go through the page cache: a direct write of a few KiB gains nothing. */
export const DIRECT_MIN_BYTES = 1024 * 1024;
/** Pairs of staging buffers kept for the next files (a local backup writes one pack at a time). */
const KEEP_STAGES = 2;

/** `O_DIRECT` where the platform has it (Linux); undefined elsewhere. */
const O_DIRECT: number | undefined = (constants as { O_DIRECT?: number }).O_DIRECT;

const WASM_PAGE = 64 * 1024;
/** Pairs of staging buffers not in use, each pair one `WebAssembly.Memory` (page-aligned). */
const idle: [Uint8Array, Uint8Array][] = [];

/** A pair of staging buffers, or undefined when page-aligned memory cannot be had (no WebAssembly under `--jitless`, no address space). */
function takeStages(): [Uint8Array, Uint8Array] | undefined {
  const kept = idle.pop();
  if (kept) return kept;
  const pages = (2 * STAGE_BYTES) / WASM_PAGE;
  let memory: Uint8Array;
  try {
    memory = new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer);
  } catch {
    return undefined;
  }
  return [memory.subarray(0, STAGE_BYTES), memory.subarray(STAGE_BYTES)];
}

function returnStages(stages: [Uint8Array, Uint8Array]): void {
  if (idle.length < KEEP_STAGES) idle.push(stages);
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
  const pending: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  try {
    for (let pos = 0, turn = 0; pos < data.length; pos += STAGE_BYTES, turn ^= 1) {
      const n = Math.min(STAGE_BYTES, data.length - pos);
      const stage = stages[turn]!;
      // This buffer was last written two slices ago: that write must have ended.
      await pending[turn];
      stage.set(data.subarray(pos, pos + n));
      const padded = Math.ceil(n / BLOCK) * BLOCK;
      stage.fill(0, n, padded);
      pending[turn] = writeAll(fh, stage.subarray(0, padded), pos);
      pending[turn]!.catch(() => {}); // awaited next turn or below
    }
    await Promise.all(pending);
    if (data.length % BLOCK !== 0) await fh.truncate(data.length);
    return fh;
  } catch (error) {
    await Promise.allSettled(pending);
    await fh.close().catch(() => {});
    await unlink(path).catch(() => {});
    if (refused(error)) return undefined;
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
