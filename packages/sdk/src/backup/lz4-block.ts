/**
 * LZ4 block format (spec §8.3: the `lz4` payload codec) in JavaScript, for browsers.
 * Compression is lz4js's block encoder. Decoding is ours: lz4js's decoder reads bytes
 * before the output's start as zeros and drops writes past its end, and spec §8.3 requires
 * a reader to reject both; this one checks every length and offset against the input and
 * the recorded length, so it never reads or writes out of bounds and never allocates more
 * than `rawLength`. Node uses lz4-napi (lz4_flex) instead; both decode each other's blocks
 * (codec-vectors and the round-trip properties check it).
 */
import lz4js from "lz4js";

/**
 * lz4js's match table, cleared before every block: lz4js takes an entry left by an earlier
 * input at the same position for a match at distance 0 and writes an invalid block.
 */
const table = new Uint32Array(1 << 16);

/** One LZ4 block (no frame, no size prefix), or null when lz4js found no match at all. */
export function lz4CompressBlock(data: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(lz4js.compressBound(data.length));
  table.fill(0);
  const n = lz4js.compressBlock(data, out, 0, data.length, table);
  return n > 0 ? out.subarray(0, n) : null;
}

/** Why a block did not decode; only ever caught and turned into an IntegrityError. */
class Lz4BlockError extends Error {}

/** A sequence's length: 15 in the token means more bytes follow, each added, until one below 255. */
function extendLength(src: Uint8Array, at: number, base: number): [number, number] {
  let n = base;
  let s = at;
  for (;;) {
    if (s >= src.length) throw new Lz4BlockError("block ends inside a length");
    const b = src[s++]!;
    n += b;
    if (b !== 255) return [n, s];
  }
}

/**
 * Decode one LZ4 block into exactly `rawLength` bytes (LZ4 block format: sequences of
 * token, literals, 2-byte little-endian offset, match; the last sequence is literals only).
 * @throws Error on any malformed block or one that does not produce `rawLength` bytes.
 */
export function lz4DecompressBlock(src: Uint8Array, rawLength: number): Uint8Array {
  const dst = new Uint8Array(rawLength);
  let s = 0;
  let d = 0;
  for (;;) {
    if (s >= src.length) throw new Lz4BlockError("block ends without its last literals");
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) [lit, s] = extendLength(src, s, lit);
    if (lit > src.length - s) throw new Lz4BlockError("literals run past the block");
    if (lit > rawLength - d) throw new Lz4BlockError("output longer than recorded");
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s === src.length) break;
    if (src.length - s < 2) throw new Lz4BlockError("block ends inside an offset");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Lz4BlockError("match offset before the output's start");
    let len = token & 15;
    if (len === 15) [len, s] = extendLength(src, s, len);
    len += 4;
    if (len > rawLength - d) throw new Lz4BlockError("output longer than recorded");
    const from = d - offset;
    if (offset >= len) {
      dst.copyWithin(d, from, from + len);
    } else {
      // Overlapping match (a run): byte by byte, each copy may read the one just written.
      for (let i = 0; i < len; i++) dst[d + i] = dst[from + i]!;
    }
    d += len;
  }
  if (d !== rawLength) throw new Lz4BlockError("output shorter than recorded");
  return dst;
}
