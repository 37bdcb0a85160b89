/** The messages between a restore and its worker threads (restore-pool.ts ↔ restore-worker.ts). */
import type { IntegrityError } from "@chatvault/format";

/** Fields per chunk in `OpenRequest.meta`: offset in the pack, sealed length, plaintext length, flags. */
export const META_FIELDS = 4;

/**
 * Size of the buffers a worker answers in, reused once the main thread has written them
 * (`RecycleRequest`); also the most plaintext (and sealed bytes) a range holds. 2 MiB
 * rather than 4: ~25 MiB less peak RSS on the full corpus, no CPU cost measured.
 */
export const ANSWER_BYTES = 2 * 1024 * 1024;

/** One range to open: `ids` the chunk IDs (hex), `meta` `META_FIELDS` u32s per chunk, both in pack order. */
export interface OpenRequest {
  op: "open";
  seq: number;
  /** The pack's object name, for error messages. */
  name: string;
  start: number;
  end: number;
  /** The sealed range: the first `bytesLength` bytes of `bytes`, handed back in the answer (`sealed`) for the next read. */
  bytes: ArrayBuffer;
  bytesLength: number;
  ids: string[];
  meta: ArrayBuffer;
}

/** A buffer of an answer, written out and handed back to its worker for the next answer. */
export interface RecycleRequest {
  op: "recycle";
  buf: ArrayBuffer;
}

/** The answer: the first `length` bytes of `plain` hold the plaintexts end to end, and `sealed` is the request's `bytes` back (opened: the main thread reads the next range into it), or what went wrong (an `IntegrityError` keeps its reason and object). */
export type OpenAnswer =
  | { seq: number; plain: ArrayBuffer; length: number; sealed: ArrayBuffer }
  | { seq: number; error: string; code?: string; reason?: IntegrityError["reason"]; objectId?: string | undefined };
