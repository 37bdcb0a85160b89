/**
 * STREAM (spec §6), age's construction for large objects: the plaintext is cut into
 * segments of 2^n bytes; each is sealed with AES-256-GCM under a per-stream key and
 * nonce = 11-byte big-endian segment counter ‖ last-segment flag (0x00 / 0x01).
 *
 *   header  = "CVS" ‖ 0x01 (version) ‖ kind ‖ log2(segment size) ‖ 0x00 0x00 ‖ salt (16 bytes)
 *   key     = HKDF-SHA256(IKM = base key, salt = salt, info = label ‖ 0x00 ‖ kind ‖ len(id) ‖ id)
 *   segment = AES-GCM(key, nonce(i, last), plaintext_i, AAD = header)
 *
 * Every segment but the last is full; the last holds 1..2^n bytes, or 0 only when it is
 * the only one. Truncation, reordering, swapping, and trailing data fail, and are named.
 */
import type { CryptoBackend, RandomSource } from "./backend.ts";
import { platformRandom } from "./backend.ts";
import { ByteQueue } from "./byte-queue.ts";
import { concatBytes, utf8 } from "./bytes.ts";
import { IntegrityError, type IntegrityReason } from "./errors.ts";
import { LABELS } from "./labels.ts";
import { contextId, printableId, TAG_LENGTH, type ObjectContext } from "./object.ts";

export const STREAM_HEADER_LENGTH = 24;
const MAGIC = [0x43, 0x56, 0x53]; // "CVS"
const STREAM_VERSION = 1;
export const DEFAULT_SEGMENT_LOG2 = 16; // 64 KiB
const MIN_SEGMENT_LOG2 = 10;
const MAX_SEGMENT_LOG2 = 24;
const MAX_SEGMENTS = 2 ** 32;
/** How far the error path looks for a segment's real position (diagnosis only). */
const DIAGNOSE_WINDOW = 64;
const TRAILING_SEARCH = 256;
/**
 * Bytes the error path may decrypt while diagnosing one bad segment. Without it a forged
 * header announcing 2^24-byte segments would make one bad segment cost ~500 full-size
 * decryptions (gigabytes of AES); with it large segments get a narrower search.
 */
const DIAGNOSE_BUDGET = 64 * 1024 * 1024;

function nonce(counter: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  // Counters stay below 2^32 (MAX_SEGMENTS), so the top 7 bytes are zero.
  n[7] = (counter >>> 24) & 255;
  n[8] = (counter >>> 16) & 255;
  n[9] = (counter >>> 8) & 255;
  n[10] = counter & 255;
  n[11] = last ? 1 : 0;
  return n;
}

async function streamKey(backend: CryptoBackend, baseKey: Uint8Array, ctx: ObjectContext, salt: Uint8Array): Promise<Uint8Array> {
  const id = contextId(ctx);
  const info = concatBytes(utf8(LABELS.streamPayload), Uint8Array.of(0, ctx.kind, id.length), id);
  return backend.hkdf(baseKey, salt, info, 32);
}

export interface StreamOptions {
  segmentLog2?: number;
  random?: RandomSource;
}

/** Seals a stream incrementally: `header`, then `push` → sealed segments, then `finish`. */
/** A fresh stream's header (§6.2) and key (§6.3). */
async function newStream(
  backend: CryptoBackend,
  baseKey: Uint8Array,
  ctx: ObjectContext,
  opts: StreamOptions,
): Promise<{ key: Uint8Array; header: Uint8Array; segmentSize: number }> {
  const log2 = opts.segmentLog2 ?? DEFAULT_SEGMENT_LOG2;
  if (!Number.isInteger(log2) || log2 < MIN_SEGMENT_LOG2 || log2 > MAX_SEGMENT_LOG2) {
    throw new RangeError(`segmentLog2 must be an integer in ${MIN_SEGMENT_LOG2}..${MAX_SEGMENT_LOG2}`);
  }
  const salt = (opts.random ?? platformRandom)(16);
  const header = concatBytes(Uint8Array.from(MAGIC), Uint8Array.of(STREAM_VERSION, ctx.kind, log2, 0, 0), salt);
  const key = await streamKey(backend, baseKey, ctx, salt);
  return { key, header, segmentSize: 2 ** log2 };
}

export class StreamSealer {
  readonly header: Uint8Array;
  readonly #backend: CryptoBackend;
  readonly #key: Uint8Array;
  readonly #segmentSize: number;
  readonly #pending = new ByteQueue();
  #counter = 0;
  #finished = false;

  private constructor(backend: CryptoBackend, key: Uint8Array, header: Uint8Array, segmentSize: number) {
    this.#backend = backend;
    this.#key = key;
    this.header = header;
    this.#segmentSize = segmentSize;
  }

  static async create(backend: CryptoBackend, baseKey: Uint8Array, ctx: ObjectContext, opts: StreamOptions = {}): Promise<StreamSealer> {
    const { key, header, segmentSize } = await newStream(backend, baseKey, ctx, opts);
    return new StreamSealer(backend, key, header, segmentSize);
  }

  /** Seal every full segment that `data` completes (keeping at least one byte back: the last segment is sealed by `finish`). */
  async push(data: Uint8Array): Promise<Uint8Array[]> {
    if (this.#finished) throw new Error("stream already finished");
    this.#pending.push(data);
    const out: Uint8Array[] = [];
    while (this.#pending.length > this.#segmentSize) {
      out.push(await this.#seal(this.#pending.take(this.#segmentSize), false));
    }
    return out;
  }

  async finish(): Promise<Uint8Array> {
    if (this.#finished) throw new Error("stream already finished");
    this.#finished = true;
    return this.#seal(this.#pending.take(this.#pending.length), true);
  }

  async #seal(plaintext: Uint8Array, last: boolean): Promise<Uint8Array> {
    if (this.#counter >= MAX_SEGMENTS) throw new RangeError("stream too long");
    const sealed = await this.#backend.aesGcmSeal(this.#key, nonce(this.#counter, last), plaintext, this.header);
    this.#counter++;
    return sealed;
  }
}

let pushBorrowed: (o: StreamOpener, data: Uint8Array) => Promise<Uint8Array[]>;

/**
 * Opens a stream incrementally. Errors are `IntegrityError`s and stick: once one is
 * thrown, every later call throws it again (nothing past a bad segment is released).
 */
export class StreamOpener {
  readonly #backend: CryptoBackend;
  readonly #baseKey: Uint8Array;
  readonly #ctx: ObjectContext;
  readonly #where: string;
  readonly #queue = new ByteQueue();
  #header: Uint8Array | undefined;
  #key: Uint8Array | undefined;
  #segmentSize = 0;
  #counter = 0;
  #error: IntegrityError | undefined;
  #done = false;

  constructor(backend: CryptoBackend, baseKey: Uint8Array, ctx: ObjectContext) {
    this.#backend = backend;
    this.#baseKey = baseKey;
    this.#ctx = ctx;
    this.#where = printableId(ctx);
  }

  static {
    // openStream's whole buffer is read in place, not copied into the queue first.
    pushBorrowed = (o, data) => o.#push(data, false);
  }

  async push(data: Uint8Array): Promise<Uint8Array[]> {
    return this.#push(data, true);
  }

  async #push(data: Uint8Array, copy: boolean): Promise<Uint8Array[]> {
    return this.#guard(async () => {
      if (this.#done) throw this.#fail("trailing_data", "data after the end of the stream");
      if (copy) this.#queue.push(data);
      else this.#queue.pushBorrowed(data);
      if (!this.#key) {
        if (this.#queue.length < STREAM_HEADER_LENGTH) return [];
        await this.#readHeader(this.#queue.take(STREAM_HEADER_LENGTH));
      }
      const out: Uint8Array[] = [];
      const full = this.#segmentSize + TAG_LENGTH;
      // Open a segment as "not last" only once a byte beyond it proves it is not the last.
      while (this.#queue.length > full) out.push(await this.#openSegment(this.#queue.take(full), false));
      return out;
    });
  }

  async finish(): Promise<Uint8Array[]> {
    return this.#guard(async () => {
      if (this.#done) throw this.#fail("trailing_data", "stream finished twice");
      if (!this.#key) throw this.#fail("truncated", `stream ends inside its ${STREAM_HEADER_LENGTH}-byte header`);
      const rest = this.#queue.take(this.#queue.length);
      if (rest.length < TAG_LENGTH) throw this.#fail("truncated", `stream ends ${rest.length} bytes into segment ${this.#counter}`);
      const pt = await this.#openSegment(rest, true);
      if (pt.length === 0 && this.#counter > 1) throw this.#fail("bad_structure", "empty last segment after a full one");
      this.#done = true;
      return [pt];
    });
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#error) throw this.#error;
    try {
      return await fn();
    } catch (e) {
      if (e instanceof IntegrityError) this.#error = e;
      throw e;
    }
  }

  #fail(reason: IntegrityReason, message: string): IntegrityError {
    return new IntegrityError(reason, message, this.#where);
  }

  async #readHeader(h: Uint8Array): Promise<void> {
    if (h[0] !== MAGIC[0] || h[1] !== MAGIC[1] || h[2] !== MAGIC[2]) throw this.#fail("bad_magic", "not a chatvault stream (bad magic)");
    if (h[3] !== STREAM_VERSION) throw this.#fail("unsupported_version", `stream version ${h[3]} is not supported`);
    if (h[4] !== this.#ctx.kind) throw this.#fail("wrong_kind", `stream holds object kind ${h[4]}, expected ${this.#ctx.kind}`);
    const log2 = h[5]!;
    if (log2 < MIN_SEGMENT_LOG2 || log2 > MAX_SEGMENT_LOG2) throw this.#fail("bad_header", `segment size 2^${log2} is out of range`);
    if (h[6] !== 0 || h[7] !== 0) throw this.#fail("bad_header", "reserved header bytes are not zero");
    this.#header = h;
    this.#segmentSize = 2 ** log2;
    this.#key = await streamKey(this.#backend, this.#baseKey, this.#ctx, h.subarray(8, 24));
  }

  async #open(sealed: Uint8Array, counter: number, last: boolean): Promise<Uint8Array | null> {
    return this.#backend.aesGcmOpen(this.#key!, nonce(counter, last), sealed, this.#header!);
  }

  async #openSegment(sealed: Uint8Array, last: boolean): Promise<Uint8Array> {
    const i = this.#counter;
    if (i >= MAX_SEGMENTS) throw this.#fail("bad_structure", "stream has too many segments");
    const pt = await this.#open(sealed, i, last);
    if (pt !== null) {
      this.#counter++;
      return pt;
    }
    throw await this.#diagnose(sealed, i, last);
  }

  /** Error path only: find out why segment `i` failed, to name the problem precisely. */
  async #diagnose(sealed: Uint8Array, i: number, last: boolean): Promise<IntegrityError> {
    const tries = Math.floor(DIAGNOSE_BUDGET / Math.max(sealed.length, 1));
    const window = Math.min(DIAGNOSE_WINDOW, Math.max(1, tries >> 2));
    const trailing = Math.min(TRAILING_SEARCH, Math.max(1, tries >> 1));
    if (await this.#open(sealed, i, !last)) {
      return last ? this.#fail("truncated", `stream is truncated after segment ${i}`) : this.#fail("trailing_data", `data follows the last segment (${i})`);
    }
    for (let j = Math.max(0, i - window); j <= i + window; j++) {
      if (j === i) continue;
      if ((await this.#open(sealed, j, false)) || (await this.#open(sealed, j, true))) {
        return this.#fail("reordered", `segment ${i} holds segment ${j} of this stream (segments reordered or swapped)`);
      }
    }
    if (last) {
      // A valid last segment followed by a little garbage: trailing data.
      for (let k = 1; k <= Math.min(trailing, sealed.length - TAG_LENGTH); k++) {
        if (await this.#open(sealed.subarray(0, sealed.length - k), i, true)) {
          return this.#fail("trailing_data", `${k} bytes follow the last segment (${i})`);
        }
      }
    }
    // A last segment cut short looks exactly like a tampered one (its tag is gone), hence "cut short".
    const how = last ? "tampered or cut short" : "tampered";
    return this.#fail("auth_failed", `segment ${i} failed authentication (${how}, or from another object or key)`);
  }
}

/** Seal a whole buffer as one stream (header ‖ segments). */
export async function sealStream(
  backend: CryptoBackend,
  baseKey: Uint8Array,
  ctx: ObjectContext,
  plaintext: Uint8Array,
  opts: StreamOptions = {},
): Promise<Uint8Array> {
  if (!backend.aesGcmSealInto) {
    const s = await StreamSealer.create(backend, baseKey, ctx, opts);
    const parts = [s.header, ...(await s.push(plaintext)), await s.finish()];
    return concatBytes(...parts);
  }
  // Whole buffer, backend that seals in place: every segment written once into the one
  // output buffer (same bytes as StreamSealer: full segments, then a last one of 1…S
  // bytes, or the only one empty, §6.4).
  const { key, header, segmentSize } = await newStream(backend, baseKey, ctx, opts);
  const n = plaintext.length;
  const segments = Math.max(1, Math.ceil(n / segmentSize));
  if (segments > MAX_SEGMENTS) throw new RangeError("stream too long");
  const out = new Uint8Array(header.length + n + 16 * segments);
  out.set(header, 0);
  for (let i = 0, o = header.length; i < segments; i++) {
    const piece = plaintext.subarray(i * segmentSize, Math.min(n, (i + 1) * segmentSize));
    await backend.aesGcmSealInto(key, nonce(i, i === segments - 1), piece, header, out, o);
    o += piece.length + 16;
  }
  return out;
}

/** Open a whole sealed stream held in memory. */
export async function openStream(backend: CryptoBackend, baseKey: Uint8Array, ctx: ObjectContext, sealed: Uint8Array): Promise<Uint8Array> {
  const o = new StreamOpener(backend, baseKey, ctx);
  // The caller's buffer is only read, and not kept once this returns.
  const parts = [...(await pushBorrowed(o, sealed)), ...(await o.finish())];
  return parts.length === 1 ? parts[0]! : concatBytes(...parts);
}
