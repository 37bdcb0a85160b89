/**
 * Worker thread of a restore (spec §8.8): opens the chunks of one ranged pack read —
 * AES-GCM authentication, inflate, the keyed chunk-ID check (spec §8.3), with the same
 * code as the one-thread path (`openPackRange`) — and answers with their plaintexts laid
 * end to end in one buffer, handing the sealed range back with it. Both are transferred,
 * never copied between threads. The main thread writes the plaintexts, so file handles, write
 * order and the one fsync per file stay there (restore-pool.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ChatvaultError, IntegrityError, KeySchedule, RootKey } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { type PackRange, openPackRange } from "../../repo/chunk-reader.ts";
import { exposedGc } from "../heap-collection.ts";
import { nodeCompressor } from "../zlib-compressor.ts";
import { ANSWER_BYTES, META_FIELDS, type OpenAnswer, type OpenRequest, type RecycleRequest } from "./restore-messages.ts";

const port = parentPort!;
const repo = { keys: await KeySchedule.derive(new RootKey(new Uint8Array(workerData.root as ArrayBuffer)), nodeCryptoBackend) };

/**
 * Answer buffers the main thread handed back. Reusing them keeps both threads from
 * allocating (and page-faulting, and garbage-collecting) megabytes per range: fresh
 * buffers made garbage collection on the main thread ~40% of its time (measured).
 */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 4;

/**
 * A scavenge of this thread's young generation after each answer. A range leaves its
 * sealed bytes and a fresh buffer per chunk (node:crypto's `update` and the codecs return
 * new memory) dead here, and V8 frees a dead buffer only at a collection: with few JS
 * objects per MiB of chunk, scavenges were rare and 20–50 MiB of dead buffers piled up in
 * each worker until external-memory pressure forced a full collection (measured on the
 * full corpus). A scavenge of a 2 MiB young generation costs well under a millisecond.
 */
const collect = exposedGc();

async function open(m: OpenRequest): Promise<{ buf: ArrayBuffer; length: number }> {
  const meta = new Uint32Array(m.meta);
  const range: PackRange<number> = { start: m.start, end: m.end, requests: [] };
  let total = 0;
  m.ids.forEach((id, k) => {
    const at = k * META_FIELDS;
    const loc = { pack: "", offset: meta[at]!, length: meta[at + 1]!, rawLength: meta[at + 2]!, flags: meta[at + 3]! };
    range.requests.push({ id, loc, targets: [total] });
    total += loc.rawLength;
  });
  const at = spare.findIndex((b) => b.byteLength >= total);
  const out = new Uint8Array(at >= 0 ? spare.splice(at, 1)[0]! : new ArrayBuffer(Math.max(total, ANSWER_BYTES)));
  await openPackRange(repo, nodeCompressor, m.name, range, new Uint8Array(m.bytes, 0, m.bytesLength), (req, plain) => out.set(plain, req.targets[0]!));
  return { buf: out.buffer, length: total };
}

port.on("message", (m: OpenRequest | RecycleRequest) => {
  if (m.op === "recycle") {
    if (spare.length < MAX_SPARE) spare.push(m.buf);
    return;
  }
  open(m).then(
    ({ buf, length }) => {
      // The sealed range goes back too, for the main thread's next read: transferred, it
      // leaves this thread's heap at once (before, it waited here for a collection, and the
      // main thread allocated a fresh one per range: its malloc heap grew to ~35 MiB).
      port.postMessage({ seq: m.seq, plain: buf, length, sealed: m.bytes } satisfies OpenAnswer, [buf, m.bytes]);
      collect?.("minor");
    },
    (e: unknown) =>
      port.postMessage({
        seq: m.seq,
        error: e instanceof Error ? e.message : String(e),
        ...(e instanceof ChatvaultError ? { code: e.code } : {}),
        ...(e instanceof IntegrityError ? { reason: e.reason, objectId: e.objectId } : {}),
      } satisfies OpenAnswer),
  );
});
