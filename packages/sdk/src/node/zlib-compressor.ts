/**
 * Chunk compressors on native code, for Node (spec §8.3). `nodeCompressor` writes LZ4
 * blocks with lz4-napi (lz4_flex; the codec since spec v5: a 4 KiB page costs ~15–20 µs of
 * CPU against ~70 µs for DEFLATE, docs/performance.md); `zlibCompressor` writes raw DEFLATE
 * at level 1 as writers before v5 did. Both read both codecs.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { compressSync, uncompressSync } from "lz4-napi";
import { type BlockCodec, type ChunkCodec, chunkCompressor } from "../backup/compressor.ts";

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/**
 * lz4-napi frames a block with its length as a 4-byte little-endian prefix; the stored
 * payload is the bare block (the index entry records the length), so the prefix is cut
 * off on write and put back, from the recorded length, on read: lz4_flex then allocates
 * exactly `rawLength` and refuses to write past it.
 */
const lz4: BlockCodec = {
  compress(data) {
    const out = compressSync(Buffer.from(data.buffer, data.byteOffset, data.length));
    return view(out).subarray(4);
  },
  decompress(data, rawLength) {
    const framed = Buffer.allocUnsafe(data.length + 4);
    framed.writeUInt32LE(rawLength, 0);
    framed.set(data, 4);
    return view(uncompressSync(framed));
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
