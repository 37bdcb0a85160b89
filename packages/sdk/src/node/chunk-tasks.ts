/**
 * The CPU-heavy part of a backup as self-contained tasks, run on worker threads (or on
 * this thread for small backups): read a region of the database copy or a whole media
 * file, cut it into chunks (pages, or the keyed chunker), compute the keyed chunk IDs,
 * and compress + seal the chunks the repository does not already hold. Results come in
 * parts of bounded size; the caller acknowledges each part before the task goes on, so
 * memory stays bounded however large the file.
 * The calls are the same as the single-chunk path (`chunkId`, `sealObject`, the
 * compressor), so both write the same format.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { Chunker, type ChunkerParams, type KeySchedule, chunkId } from "@chatvault/format";
import { sealChunk } from "../backup/chunk-store.ts";
import type { SealedBytes } from "../backup/packer.ts";
import type { Compressor } from "../backup/compressor.ts";

export type ChunkTask =
  | { kind: "pages"; path: string; offset: number; length: number; pageSize: number }
  /**
   * A media file, read to its end (its size is what was read); `path` as bytes for names
   * that are not UTF-8. `size`: what the walk saw, for scheduling only (split-runner.ts).
   */
  | { kind: "file"; path: string | Uint8Array; compressible: boolean; size?: number };

/**
 * A media file could not be opened or read (deleted meanwhile, no permission, I/O
 * error): the backup skips that one file. `errno` is the system's code, if any.
 */
export class MediaReadError extends Error {
  readonly errno: string | undefined;
  constructor(message: string, errno?: string) {
    super(message);
    this.name = "MediaReadError";
    this.errno = errno;
  }
  static from(e: unknown): MediaReadError {
    const code = (e as { code?: unknown } | null)?.code;
    return new MediaReadError(e instanceof Error ? e.message : String(e), typeof code === "string" ? code : undefined);
  }
}

export interface SealedChunk {
  /** Position of the chunk among the part's `ids`. */
  index: number;
  /** The sealed chunk: pieces to lay end to end (this thread), or one buffer (from a worker). */
  data: SealedBytes;
  /** Its length in bytes. */
  length: number;
  rawLength: number;
  flags: number;
}

export interface TaskPart {
  /** IDs of every chunk of this part, in order (known or new). */
  ids: Uint8Array[];
  /** The chunks that were not in the known set, sealed. */
  sealed: SealedChunk[];
  bytesRead: number;
}

export interface TaskContext {
  keys: KeySchedule;
  gear: Uint32Array;
  chunker: ChunkerParams;
  /** Chunks not to seal: the repository has them (or, on this thread, this backup claimed them). */
  known: { has(id: Uint8Array): boolean };
  compressor: Compressor;
  /**
   * Where a sealed chunk goes as soon as it is sealed (a worker's part buffer,
   * workers/chunk-worker-parts.ts): returns what the part keeps instead of the pieces.
   * Absent, the part keeps the pieces (this thread copies them straight into a pack).
   */
  place?: (sealed: SealedBytes, length: number) => SealedBytes;
  /**
   * Read the source with synchronous calls on this thread (a backup with chunk workers:
   * see `openSource`). Absent, through fs/promises: a backup on this thread alone (the
   * day after: its peak was ~2 MiB and its CPU ~0.05 s higher with synchronous reads,
   * 4 pairs) keeps its reads off the event loop.
   */
  syncReads?: boolean;
}

/** A source file open for a task: `read` returns a number when it read synchronously. */
interface Source {
  read(buf: Uint8Array, offset: number, length: number, position: number | null): number | Promise<number>;
  close(): void | Promise<void>;
}

/**
 * Open a task's source. Synchronously: through fs/promises every open, 1 MiB read and
 * close was a hop to libuv's thread pool and back, and on two cores shared with the other
 * thread's chunking the chunking thread sat idle ~0.7 ms per read and ~0.6 ms per open or
 * close — ~1.1 s of the worker's and ~1.8 s of the main thread's wall in a full backup of
 * the full corpus, for no work of its own (the copy is the same either way). A task's
 * reads never overlapped its chunking anyway (each read is awaited before its block is
 * cut), and a 1 MiB read from the page cache (~0.1–0.3 ms) is well under a yield slice
 * (YIELD_MS) on the main thread (docs/performance.md, "Full backup, round 9").
 */
async function openSource(path: string | Buffer, sync: boolean): Promise<Source> {
  if (!sync) {
    const fh = await open(path, "r");
    return { read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead, close: () => fh.close() };
  }
  const fd = openSync(path, "r");
  return { read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position), close: () => closeSync(fd) };
}

/** What `Source.read` read, awaited only when it did not read synchronously. */
const bytesOf = async (got: number | Promise<number>): Promise<number> => (typeof got === "number" ? got : await got);

const READ_BLOCK = 1024 * 1024;
/**
 * Read buffers of ended tasks, for the next tasks of this thread. A fresh one per task was
 * ~1 GB of zeroed allocations over a full backup of the full corpus (one task per media
 * file), and garbage for the collector after (docs/performance.md).
 */
const readBlocks: Uint8Array[] = [];
/** Tasks running at once on one thread: one on a worker (the next waits queued), one here (split-runner.ts). */
const KEEP_READ_BLOCKS = 2;
/**
 * Media chunkers of ended tasks, each with the buffers it holds bytes back in
 * (`reuseBuffers`): with a fresh chunker per file, or without them, almost every ~1 MiB
 * chunk was copied twice into fresh buffers (the bytes held back, then the chunk), ~2 GB
 * of allocations on the full corpus (docs/performance.md). At most `KEEP_READ_BLOCKS`.
 */
const chunkers: { gear: Uint32Array; params: ChunkerParams; chunker: Chunker }[] = [];

function takeChunker(ctx: TaskContext): Chunker {
  const p = ctx.chunker;
  const at = chunkers.findIndex((c) => c.gear === ctx.gear && c.params.min === p.min && c.params.avg === p.avg && c.params.max === p.max);
  return at >= 0 ? chunkers.splice(at, 1)[0]!.chunker : new Chunker(ctx.gear, p, { reuseBuffers: true });
}
/**
 * Emit a part once this many sealed bytes are waiting. A part is held twice (the worker's
 * copy, then this thread's until packed) and is garbage after: small parts keep less
 * memory alive for the same work (1 MiB: ~25 MiB less peak RSS than 4 MiB on a full
 * backup, no measurable CPU; docs/performance.md).
 */
const PART_BYTES = 1024 * 1024;

/**
 * Longest stretch of chunk work between two turns of the event loop. A task's chunks are
 * hashed and sealed in one synchronous run per read block (~3–4 ms per MiB), and on the
 * main thread every step of a pack's put (open, writes, fsync, link, directory fsync: a
 * dozen hops) and every worker's part waited for the end of such a run: with one put in
 * flight, the disk sat idle meanwhile (docs/performance.md, "Full backup, round 2").
 */
const YIELD_MS = 1;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runChunkTask(ctx: TaskContext, task: ChunkTask, emit: (part: TaskPart) => Promise<void>): Promise<void> {
  let part: TaskPart = { ids: [], sealed: [], bytesRead: 0 };
  let sealedBytes = 0;
  let ranSince = performance.now();
  const add = async (plain: Uint8Array, compressible: boolean) => {
    const id = await chunkId(ctx.keys, plain);
    const index = part.ids.push(id) - 1;
    if (!ctx.known.has(id)) {
      const { data, length, flags } = await sealChunk(ctx.keys, ctx.compressor, id, plain, compressible);
      part.sealed.push({ index, data: ctx.place ? ctx.place(data, length) : data, length, rawLength: plain.length, flags });
      sealedBytes += length;
    }
    if (performance.now() - ranSince >= YIELD_MS) {
      await turn();
      ranSince = performance.now();
    }
  };
  // One part may wait for its acknowledgement while the next is being made: the caller
  // (a worker's parent, busy with its own tasks) then never leaves this task idle for a
  // whole part, and at most two parts exist per task.
  let sending: Promise<void> = Promise.resolve();
  const flush = async (force: boolean) => {
    if (!force && sealedBytes < PART_BYTES) return;
    const done = part;
    part = { ids: [], sealed: [], bytesRead: 0 };
    sealedBytes = 0;
    await sending;
    sending = emit(done);
    sending.catch(() => {}); // thrown by the next flush or at the end
  };
  // A path as bytes (a name that is not UTF-8) arrives from a worker message as a plain Uint8Array.
  const path = typeof task.path === "string" ? task.path : Buffer.from(task.path.buffer, task.path.byteOffset, task.path.byteLength);
  const source = await openSource(path, ctx.syncReads === true).catch((e: unknown) => {
    throw task.kind === "file" ? MediaReadError.from(e) : e;
  });
  // One read buffer per task, reused: every chunk cut from it is hashed and sealed (which
  // copies) before the next read, and the chunker copies what it holds back. Fresh 1 MiB
  // buffers per read would pile up outside the JS heap faster than GC frees them; the
  // buffer also outlives the task (readBlocks), for the same reason.
  const block = readBlocks.pop() ?? new Uint8Array(READ_BLOCK);
  try {
    if (task.kind === "pages") {
      for (let pos = task.offset; pos < task.offset + task.length;) {
        const n = Math.min(READ_BLOCK, task.offset + task.length - pos);
        const buf = await readExactly(source, block.subarray(0, n), pos);
        for (let o = 0; o < n; o += task.pageSize) await add(buf.subarray(o, o + task.pageSize), true);
        part.bytesRead += n;
        pos += n;
        await flush(false);
      }
    } else {
      const chunker = takeChunker(ctx);
      for (;;) {
        let bytesRead: number;
        try {
          const got = source.read(block, 0, block.length, null);
          bytesRead = typeof got === "number" ? got : await got;
        } catch (e) {
          throw MediaReadError.from(e);
        }
        if (bytesRead === 0) break;
        // Each chunk is hashed and sealed (copied) before the next push: the chunker's own buffers may be reused.
        for (const c of chunker.push(block.subarray(0, bytesRead))) await add(c, task.compressible);
        part.bytesRead += bytesRead;
        await flush(false);
      }
      for (const c of chunker.finish()) await add(c, task.compressible);
      // Only a chunker that finished its file is clean for the next one.
      if (chunkers.length < KEEP_READ_BLOCKS) chunkers.push({ gear: ctx.gear, params: ctx.chunker, chunker });
    }
  } catch (e) {
    // The part in flight ends before the task does: nothing of it runs after a failure is reported.
    await sending.catch(() => {});
    throw e;
  } finally {
    // Nothing of this task reads the block any more: a part in flight holds sealed copies.
    if (readBlocks.length < KEEP_READ_BLOCKS) readBlocks.push(block);
    await source.close();
  }
  await flush(true);
  await sending;
}

async function readExactly(source: Source, buf: Uint8Array, position: number): Promise<Uint8Array> {
  const n = buf.length;
  for (let got = 0; got < n;) {
    const bytesRead = await bytesOf(source.read(buf, got, n - got, position + got));
    if (bytesRead === 0) throw new Error("database copy shrank while being read");
    got += bytesRead;
  }
  return buf;
}
