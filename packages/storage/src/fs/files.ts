/**
 * Low-level file helpers for the filesystem adapter: durable writes, ranged reads, and the
 * mapping of errno codes onto the storage errors.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { StorageUnavailableError } from "../errors.ts";
import { DIRECT_MIN_BYTES, writeNewFileDirect } from "./direct-write.ts";

/**
 * Marks temp files. `~` cannot appear in an object name, so a temp file can never collide
 * with an object, and `list` (which skips every entry that is not a valid name segment)
 * never shows one.
 */
export const TEMP_MARK = ".tmp~";

/** A fresh temp path beside `finalPath` (same directory, so same filesystem: `link` works). */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}${TEMP_MARK}${randomBytes(8).toString("hex")}`);
}

/** The errno code of a Node fs error, if any. */
export function errno(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Codes that mean "the filesystem is busy or briefly gone", where a later retry can work. */
const TRANSIENT = new Set(["EAGAIN", "EBUSY", "EINTR", "EMFILE", "ENFILE", "ETIMEDOUT", "ESTALE"]);

/** Turns transient errno errors into `StorageUnavailableError`; returns anything else unchanged. */
export function mapFsError(error: unknown, what: string): unknown {
  const code = errno(error);
  if (code !== undefined && TRANSIENT.has(code)) {
    return new StorageUnavailableError(`${what}: filesystem busy (${code})`, { cause: error });
  }
  return error;
}

/**
 * fsync a directory so that entries created or removed in it survive a power cut.
 * Windows cannot open a directory for fsync, and NTFS journals metadata anyway.
 */
export async function fsyncDir(path: string): Promise<void> {
  if (process.platform === "win32") return;
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether a storage still tries `O_DIRECT` (it stops at the first refusal: direct-write.ts). */
export interface DirectWriteState {
  direct: boolean;
}

/**
 * Write `data` to a new file at `path` (which must not exist: `wx`) and fsync it. With
 * `sync`, a large file is written around the page cache while `state` allows it
 * (direct-write.ts); the fsync is the same either way. `written` is called once every
 * byte of `data` is in the file, before the fsync: `data` is not read after it.
 */
export async function writeNewFile(path: string, data: Uint8Array, mode: number, sync: boolean, state?: DirectWriteState, written?: () => void): Promise<void> {
  let fh: FileHandle | undefined;
  if (sync && state?.direct && data.length >= DIRECT_MIN_BYTES) {
    fh = await writeNewFileDirect(path, data, mode);
    if (!fh) state.direct = false;
  }
  if (!fh) {
    fh = await open(path, "wx", mode);
    try {
      await fh.writeFile(data);
    } catch (error) {
      await fh.close();
      throw error;
    }
  }
  try {
    written?.();
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Read `length` bytes from `offset` (fewer if the file ends first) without reading the
 * rest of the file, into `into` from its first byte when given. Returns `undefined` when
 * `path` is not a regular file.
 */
export async function readRange(path: string, offset: number, length: number, into?: Uint8Array): Promise<Uint8Array | undefined> {
  const fh = await open(path, "r");
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const start = Math.min(offset, st.size);
    const n = Math.min(length, st.size - start);
    // `into` (the caller's, at least `length` long): read in place instead of allocating.
    const out = into ? into.subarray(0, n) : new Uint8Array(n);
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await fh.read(out, done, out.length - done, start + done);
      if (bytesRead === 0) break; // the file cannot shrink (objects are immutable); be safe anyway
      done += bytesRead;
    }
    return done === out.length ? out : out.subarray(0, done);
  } finally {
    await fh.close();
  }
}
