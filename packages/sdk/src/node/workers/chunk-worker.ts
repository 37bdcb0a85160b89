/**
 * Worker thread of the backup: runs chunk tasks (chunk-tasks.ts); packs are hashed on the main thread.
 * A task's parts are posted one at a time; the next part waits for the main thread's
 * acknowledgement, which bounds the memory a fast worker can fill.
 */
import { parentPort, workerData } from "node:worker_threads";
import { KeySchedule, RootKey, gearTable } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { ChunkIdSet } from "../../backup/id-set.ts";
import { type ChunkTask, MediaReadError, type TaskPart, runChunkTask } from "../chunk-tasks.ts";
import { nodeCompressor } from "../zlib-compressor.ts";
import type { SealedBytes } from "../../backup/packer.ts";
import { PartBuffers } from "./chunk-worker-parts.ts";
import { exposedGc } from "../heap-collection.ts";
import { atWorkerStart } from "../young-generation.ts";

atWorkerStart(workerData);
const port = parentPort!;
const keys = await KeySchedule.derive(new RootKey(new Uint8Array(workerData.root as ArrayBuffer)), nodeCryptoBackend);
const ctx = {
  keys,
  gear: gearTable(keys),
  chunker: workerData.chunker,
  known: new ChunkIdSet(workerData.known as ArrayBufferLike),
  compressor: nodeCompressor,
  place: (sealed: SealedBytes, length: number) => parts.place(sealed, length),
  // This thread only chunks: its reads need not leave it (chunk-tasks.ts, `openSource`).
  syncReads: true,
};
/** Per task, the resolvers of its posted parts awaiting their acknowledgement, oldest first. */
const acks = new Map<number, (() => void)[]>();
/**
 * Parts of a task posted and not yet acknowledged, at most. With one, this thread waited
 * for the main thread to pack each part before it could post the next (the main thread
 * chunks its own share meanwhile, so an ack can wait a few ms); two let it go on.
 */
const UNACKED = 2;
/** Part buffers: each sealed chunk copied in as soon as it is sealed, the part posted as its buffer. */
const parts = new PartBuffers();
/**
 * `stop`: the main thread gave up on this task (the backup failed or was cancelled while a
 * part was on its way): the task ends at its next part instead of waiting for acknowledgements
 * that will not come, so a task queued behind it here is not held up for ever.
 */
export type WorkerRequest = { op: "task"; seq: number; task: ChunkTask } | { op: "ack"; seq: number; sealed?: ArrayBuffer; stop?: true };

/**
 * A scavenge after each posted part (~1 MiB sealed). Each sealed chunk's `Cipher.update`
 * pieces (64 KiB, malloc'd in this thread's arena) are dead once placed in the part, but a
 * young ArrayBuffer's memory is freed only by a collection, and this thread allocates so
 * few heap objects per sealed MiB that V8 collected only after ~32 MiB of them: that much
 * dead memory resident in its arena. A scavenge here finds the pieces dead (placement
 * copied them), so it promotes next to nothing (one every 4 parts gave about half the
 * saving: docs/performance.md, "Full backup, round 6").
 */
const collect = exposedGc();

/** Tasks the main thread stopped (see `WorkerRequest`). */
const stopped = new Set<number>();

class TaskStopped extends Error {
  constructor() {
    super("task stopped by the main thread");
  }
}

/** A part as posted: every buffer laid end to end so it can be transferred. */
export interface PostedPart {
  ids: ArrayBuffer;
  /** The sealed chunks end to end (`lengths`), then unused room: a reused buffer. Given back with the ack. */
  sealed: ArrayBuffer;
  index: number[];
  lengths: number[];
  rawLengths: number[];
  flags: number[];
  bytesRead: number;
}

function pack(p: TaskPart): PostedPart {
  const ids = new Uint8Array(p.ids.length * 32);
  p.ids.forEach((id, i) => ids.set(id, i * 32));
  // The one copy of each sealed chunk on its way to a pack was made as it was sealed (`place`).
  const sealed = parts.take(p);
  return {
    ids: ids.buffer,
    sealed,
    index: p.sealed.map((s) => s.index),
    lengths: p.sealed.map((s) => s.length),
    rawLengths: p.sealed.map((s) => s.rawLength),
    flags: p.sealed.map((s) => s.flags),
    bytesRead: p.bytesRead,
  };
}

/** The tasks posted here, run in turn (chunk-pool.ts posts up to `TASKS_PER_WORKER`). */
let queue: Promise<void> = Promise.resolve();

port.on("message", (m: WorkerRequest) => {
  if (m.op === "ack") {
    if (m.sealed) parts.giveBack(m.sealed);
    const waiting = acks.get(m.seq);
    if (m.stop && waiting) {
      // Parts posted after the main thread stopped listening are never answered: release them all.
      stopped.add(m.seq);
      for (const resolve of waiting.splice(0)) resolve();
    } else waiting?.shift()?.();
    return;
  }
  // Tasks run one after another: a second one posted meanwhile waits here, ready to start
  // the moment the first ends, instead of waiting for the main thread to post it.
  queue = queue.then(() =>
    handle(m).catch((e: unknown) =>
      port.postMessage({
        seq: m.seq,
        error: e instanceof Error ? e.message : String(e),
        // A media file that cannot be read crosses the thread boundary as such: the backup skips it.
        ...(e instanceof MediaReadError ? { mediaRead: e.errno ?? "" } : {}),
      }),
    ),
  );
});

async function handle(m: Exclude<WorkerRequest, { op: "ack" }>): Promise<void> {
  const waiting: (() => void)[] = [];
  acks.set(m.seq, waiting);
  const unacked: Promise<void>[] = [];
  parts.reset();
  try {
    await runChunkTask(ctx, m.task, async (part) => {
      if (stopped.has(m.seq)) throw new TaskStopped();
      const posted = pack(part);
      unacked.push(new Promise<void>((resolve) => waiting.push(resolve)));
      port.postMessage({ seq: m.seq, part: posted }, [posted.ids, posted.sealed]);
      collect?.("minor");
      if (unacked.length >= UNACKED) await unacked.shift();
      if (stopped.has(m.seq)) throw new TaskStopped();
    });
  } finally {
    // Done or failed, the task ends only once the main thread has taken every part posted:
    // nothing of it is handled after the task's answer.
    await Promise.all(unacked);
    acks.delete(m.seq);
    stopped.delete(m.seq);
  }
  port.postMessage({ seq: m.seq, done: true });
}
