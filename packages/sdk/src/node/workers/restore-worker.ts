/**
 * Worker thread of a restore (spec §8.8): opens the chunks of one ranged pack read —
 * AES-GCM authentication, inflate, the keyed chunk-ID check (spec §8.3), with the same
 * checks and errors as the one-thread path (`openPackRange`) — and lays their plaintexts
 * end to end in the slot, over the sealed bytes already opened (restore-open.ts). The
 * sealed bytes and the plaintexts both live in the slot's shared buffer
 * (restore-messages.ts): only small messages cross between the threads. The main thread writes the plaintexts, so file handles, write order and the
 * one fsync per file stay there (restore-pool.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ChatvaultError, IntegrityError, KeySchedule, RootKey } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import type { PackRange } from "../../repo/chunk-reader.ts";
import { exposedGc } from "../heap-collection.ts";
import { rangeOpener } from "../restore-open.ts";
import { nodeCompressor } from "../zlib-compressor.ts";
import { META_FIELDS, type OpenAnswer, type OpenRequest, type SlotRequest } from "./restore-messages.ts";

const port = parentPort!;
/** The keys and scratch buffer made once for every range this worker opens (restore-open.ts). */
const opener = rangeOpener(await KeySchedule.derive(new RootKey(new Uint8Array(workerData.root as ArrayBuffer)), nodeCryptoBackend), nodeCompressor);

/** The slots the main thread shared with this worker, by number. */
const slots: Uint8Array[] = [];

/**
 * A scavenge of this thread's young generation after each answer, where dead buffers are
 * not freed at once. A range leaves fresh buffers dead here (node:crypto's `update`
 * pieces, the codecs' outputs), and V8 frees a dead buffer only at a collection: with few
 * JS objects per MiB of chunk, scavenges were rare and 20–50 MiB of dead buffers piled up
 * in each worker until external-memory pressure forced a full collection (measured on the
 * full corpus). Where this thread has `ArrayBuffer.prototype.transfer` (Node ≥ 21, or the
 * CLI asked: restore-pool.ts), each of those buffers is freed as soon as it is copied into
 * the slot (restore-open.ts, format's node.ts) and the ~650 scavenges of the full corpus
 * (~0.1 CPU-s) are left out: no more peak RSS measured (docs/performance.md, "Restore,
 * round 9").
 */
const collect = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function" ? undefined : exposedGc();

function open(m: OpenRequest): number {
  const slot = slots[m.slot];
  if (!slot) throw new Error(`slot ${m.slot} was never shared with this worker`);
  const meta = new Uint32Array(m.meta);
  const range: PackRange<number> = { start: m.start, end: m.end, requests: [] };
  m.ids.forEach((id, k) => {
    const at = k * META_FIELDS;
    const loc = { pack: "", offset: meta[at]!, length: meta[at + 1]!, rawLength: meta[at + 2]!, flags: meta[at + 3]! };
    range.requests.push({ id, loc, targets: [] });
  });
  return opener.open(m.name, range, slot, m.sealedAt, m.bytesLength);
}

port.on("message", (m: OpenRequest | SlotRequest) => {
  if (m.op === "slot") {
    slots[m.slot] = new Uint8Array(m.buf);
    return;
  }
  // One synchronous call per range (restore-open.ts): no promise per chunk.
  let length: number;
  try {
    length = open(m);
  } catch (e) {
    port.postMessage({
      seq: m.seq,
      error: e instanceof Error ? e.message : String(e),
      ...(e instanceof ChatvaultError ? { code: e.code } : {}),
      ...(e instanceof IntegrityError ? { reason: e.reason, objectId: e.objectId } : {}),
    } satisfies OpenAnswer);
    return;
  }
  port.postMessage({ seq: m.seq, length } satisfies OpenAnswer);
  collect?.("minor");
});
