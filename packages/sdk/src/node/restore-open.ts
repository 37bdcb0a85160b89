/**
 * Opening a restore's range in one buffer (spec §8.8): the sealed bytes are read into the
 * slot at `sealedAt`, and the plaintexts are laid end to end from the slot's byte 0, over
 * sealed bytes already opened. A stored chunk (no codec: most media) is opened in place by
 * `openObjectIntoSync`, in 64 KiB pieces; a compressed one (the database's pages) is opened
 * into a scratch buffer, inflated into a fresh one, then copied. Before, a range had a sealed buffer and a
 * plaintext buffer of 2 MiB each, both grown to 3 MiB by any chunk over 2 MiB (12 MiB for
 * the two ranges in flight), and node:crypto's fresh output per chunk, of every size up to
 * 8 MiB, grew the worker's malloc arena (docs/performance.md, "Restore, round 6").
 *
 * Every chunk is still authenticated (AES-GCM) and ID-checked (spec §8.3) before the main
 * thread sees the range, with the errors `openPackRange` gives (repo/chunk-reader.ts).
 */
import { IntegrityError, type KeySchedule, ObjectKind, SEAL_OVERHEAD, equalBytes, fromHex, openObjectIntoSync } from "@chatvault/format";
import { aesGcmOpenIntoSync, freeCopiedPiece, hmacSha256Sync } from "@chatvault/format/node";
import type { Compressor } from "../backup/compressor.ts";
import { chunkCodec } from "../repo/chunk-index.ts";
import type { ChunkKeys, PackRange } from "../repo/chunk-reader.ts";

/** What the layout needs of a chunk's location in its pack. */
interface Loc {
  offset: number;
  length: number;
  rawLength: number;
}

/**
 * Where a range's sealed bytes start in its slot so that no plaintext overwrites sealed
 * bytes not opened yet: with plaintexts laid from byte 0, chunk `k`'s ends at `cum(k+1)`
 * (its own and the earlier plaintexts' lengths), which must not pass the start of chunk
 * `k+1`'s sealed bytes (the range's end for the last chunk). A stored chunk's plaintext is
 * 29 bytes shorter than its sealed bytes, so a range of stored chunks starts at 0; a
 * compressed one's is longer, and its range starts further in. Each chunk is opened before
 * the next one is read, and a stored one piece by piece, each piece written after its
 * ciphertext was read: then chunk `k`'s plaintext starting at or before its own sealed
 * bytes (implied by the rule for `k-1`) is enough.
 */
export function sealedOffset(requests: readonly { loc: Loc }[], start: number, end: number): number {
  let at = 0;
  let plain = 0;
  requests.forEach((r, k) => {
    plain += r.loc.rawLength;
    const next = (k + 1 < requests.length ? requests[k + 1]!.loc.offset : end) - start;
    at = Math.max(at, plain - next);
  });
  return at;
}

/** A chunk opened in place: stored (no codec) and as long as its index says. Any other goes the fresh way, whose errors decide. */
function inPlace(loc: Loc & { flags: number }): boolean {
  return loc.flags === 0 && loc.length - SEAL_OVERHEAD === loc.rawLength;
}

/** Payloads of compressed chunks up to this size are opened into the opener's one scratch buffer; longer ones (rare: a compressible media file's chunks) into a fresh one, so the scratch never holds megabytes. */
const SCRATCH_BYTES = 64 * 1024;

/** Opens ranges laid in one buffer (`open`), with its keys and scratch made once (`rangeOpener`). */
export interface RangeOpener {
  /**
   * Open every chunk of `range` (pack `name`, for messages), whose `bytesLength` sealed
   * bytes are in `buf` from `sealedAt` (at least `sealedOffset` of the range), laying the
   * plaintexts end to end from `buf`'s byte 0; returns their total length. Throws the
   * `IntegrityError` `openPackRange` would give; `buf`'s bytes are then garbage.
   */
  open(name: string, range: PackRange<unknown>, buf: Uint8Array, sealedAt: number, bytesLength: number): number;
}

/**
 * A range opener on node:crypto's synchronous calls: one call per range, no promise per
 * chunk. The database's ~46,000 pages of the full corpus each went through five awaits
 * (`openChunk`, `openObject`, the backend's open, `chunkId`, its HMAC) and a fresh buffer
 * for its payload (docs/performance.md, "Restore, round 9"). The checks and their
 * order are `openChunk`'s (spec §8.3): AES-GCM with the AAD (kind, ID), the codec, the
 * recorded length, the keyed chunk ID.
 */
export function rangeOpener(keys: KeySchedule, compressor: Compressor): RangeOpener {
  // Raw bytes, as before: the keys as `KeyObject`s made once (createSecretKey) measured no
  // gain (docs/performance.md, "Restore, round 9").
  const aesKey = keys.chunkEncryption.unsafeBytes();
  const idKey = keys.chunkId.unsafeBytes();
  const scratch = new Uint8Array(SCRATCH_BYTES);

  /** `openChunk`'s checks, the plaintext copied into `buf` at `at`. */
  function openCompressed(id: string, idBytes: Uint8Array, loc: Loc & { flags: number }, sealed: Uint8Array, buf: Uint8Array, at: number): void {
    const room = sealed.length - SEAL_OVERHEAD <= SCRATCH_BYTES ? scratch : new Uint8Array(Math.max(0, sealed.length - SEAL_OVERHEAD));
    const n = openObjectIntoSync(aesGcmOpenIntoSync, aesKey, { kind: ObjectKind.chunk, id: idBytes }, sealed, room, 0);
    const payload = room.subarray(0, n);
    const codec = chunkCodec(loc.flags);
    const plain = codec ? compressor.decompress(payload, loc.rawLength, codec) : payload;
    if (plain.length !== loc.rawLength) throw new IntegrityError("bad_structure", "chunk length differs from the index", id);
    if (!equalBytes(hmacSha256Sync(idKey, plain), idBytes)) throw new IntegrityError("id_mismatch", "chunk content does not match its ID", id);
    buf.set(plain, at);
    // The codec's fresh output, given back to malloc now that it is copied (where the worker
    // has `ArrayBuffer.prototype.transfer`), as node:crypto's pieces are: see the worker's
    // `collect`.
    if (codec) freeCopiedPiece(plain);
  }

  return {
    open(name, range, buf, sealedAt, bytesLength) {
      const total = range.requests.reduce((n, r) => n + r.loc.rawLength, 0);
      if (sealedAt < sealedOffset(range.requests, range.start, range.end) || sealedAt + bytesLength > buf.length || total > buf.length) {
        throw new Error(`range of ${bytesLength} sealed bytes at ${sealedAt} and ${total} plaintext bytes does not fit a slot of ${buf.length}`);
      }
      let at = 0;
      for (const req of range.requests) {
        const off = req.loc.offset - range.start;
        if (off + req.loc.length > bytesLength) throw new IntegrityError("truncated", "pack is shorter than its index says", name);
        const sealed = buf.subarray(sealedAt + off, sealedAt + off + req.loc.length);
        try {
          const idBytes = fromHex(req.id);
          if (inPlace(req.loc)) {
            openObjectIntoSync(aesGcmOpenIntoSync, aesKey, { kind: ObjectKind.chunk, id: idBytes }, sealed, buf, at);
            if (!equalBytes(hmacSha256Sync(idKey, buf.subarray(at, at + req.loc.rawLength)), idBytes))
              throw new IntegrityError("id_mismatch", "chunk content does not match its ID", req.id);
          } else {
            openCompressed(req.id, idBytes, req.loc, sealed, buf, at);
          }
        } catch (e) {
          // As openPackRange: say which pack held the bad bytes, that is the object to look at in storage.
          if (e instanceof IntegrityError)
            throw new IntegrityError(e.reason, `${e.message.replace(/ \(object [0-9a-f]+\)$/, "")}: chunk ${req.id.slice(0, 16)}… in pack`, name);
          throw e;
        }
        at += req.loc.rawLength;
      }
      return total;
    },
  };
}

/** `rangeOpener(repo.keys, compressor).open(…)`, as a promise (tests, and callers with one range). */
export async function openRangeInPlace(
  repo: ChunkKeys,
  compressor: Compressor,
  name: string,
  range: PackRange<unknown>,
  buf: Uint8Array,
  sealedAt: number,
  bytesLength: number,
): Promise<number> {
  return rangeOpener(repo.keys, compressor).open(name, range, buf, sealedAt, bytesLength);
}
