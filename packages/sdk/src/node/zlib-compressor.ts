/**
 * Chunk compressors on native code, for Node (spec §8.3). `nodeCompressor` writes LZ4
 * blocks with lz4-napi (lz4_flex; the codec since spec v5: a 4 KiB page costs ~15–20 µs of
 * CPU against ~70 µs for DEFLATE, docs/performance.md); `zlibCompressor` writes raw DEFLATE
 * at level 1 as writers before v5 did. Both read both codecs.
 */
import { createRequire } from "node:module";
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { type BlockCodec, type ChunkCodec, chunkCompressor } from "../backup/compressor.ts";

/**
 * lz4-napi is a native addon (~10 ms of CPU to load): it is loaded when a block is first
 * compressed or inflated, so a backup that stores nothing new (no-change) never loads it.
 * It is CommonJS, so `require` loads it synchronously, as the codec's callers need.
 */
let lz4Napi: typeof import("lz4-napi") | undefined;
const lz4Native = () => (lz4Napi ??= createRequire(import.meta.url)("lz4-napi") as typeof import("lz4-napi"));

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/**
 * lz4-napi frames a block with its length as a 4-byte little-endian prefix; the stored
 * payload is the bare block (the index entry records the length), so the prefix is cut
 * off on write and put back, from the recorded length, on read: lz4_flex then allocates
 * exactly `rawLength` and refuses to write past it.
 */
const lz4: BlockCodec = {
  compress(data) {
    const out = lz4Native().compressSync(Buffer.from(data.buffer, data.byteOffset, data.length));
    return view(out).subarray(4);
  },
  decompress(data, rawLength) {
    const framed = Buffer.allocUnsafe(data.length + 4);
    framed.writeUInt32LE(rawLength, 0);
    framed.set(data, 4);
    return view(lz4Native().uncompressSync(framed));
  },
};

const codecs: Record<ChunkCodec, BlockCodec> = {
  lz4,
  deflate: {
    compress: (data) => view(deflateRawSync(data, { level: 1 })),
    // maxOutputLength bounds a decompression bomb: never more than the recorded length.
    decompress: (data, rawLength) => view(inflateRawSync(data, { maxOutputLength: Math.max(1, rawLength), finishFlush: constants.Z_SYNC_FLUSH })),
  },
};

export const nodeCompressor = chunkCompressor("lz4", codecs);
export const zlibCompressor = chunkCompressor("deflate", codecs);
