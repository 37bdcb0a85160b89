/** The messages between a restore and its worker threads (restore-pool.ts ↔ restore-worker.ts). */
import type { IntegrityError } from "@chatvault/format";

/** Fields per chunk in `OpenRequest.meta`: offset in the pack, sealed length, plaintext length, flags. */
export const META_FIELDS = 4;

/**
 * Size of a slot's buffer (restore-pool.ts): the most sealed bytes, and the most
 * plaintext, a range holds (bar one larger chunk, for which its slot grows). 2 MiB rather
 * than 4: ~25 MiB less peak RSS on the full corpus, no CPU cost measured.
 */
export const ANSWER_BYTES = 2 * 1024 * 1024;

/**
 * A slot, shared once with a worker (or again once it grew): the one buffer a sealed range
 * is read into and its plaintexts are opened into (restore-open.ts). A `SharedArrayBuffer`
 * the main thread made: no buffer changes hands per range, so neither thread allocates,
 * frees or garbage-collects megabytes per range (transferring buffers each way made V8
 * count them as new external memory at every arrival: docs/performance.md, "Restore,
 * round 5"). Whoever holds the slot's range (the worker from `open` until its answer, the
 * main thread from then until it releases the slot) is the only one touching it.
 */
export interface SlotRequest {
  op: "slot";
  slot: number;
  buf: SharedArrayBuffer;
}

/** One range to open: its sealed bytes are the `bytesLength` bytes of slot `slot` from `sealedAt` (restore-open.ts); `ids` the chunk IDs (hex), `meta` `META_FIELDS` u32s per chunk, both in pack order. */
export interface OpenRequest {
  op: "open";
  seq: number;
  slot: number;
  /** The pack's object name, for error messages. */
  name: string;
  start: number;
  end: number;
  sealedAt: number;
  bytesLength: number;
  ids: string[];
  meta: ArrayBuffer;
}

/** The answer: the first `length` bytes of the slot's buffer hold the range's plaintexts end to end; or what went wrong (an `IntegrityError` keeps its reason and object). */
export type OpenAnswer =
  { seq: number; length: number } | { seq: number; error: string; code?: string; reason?: IntegrityError["reason"]; objectId?: string | undefined };
