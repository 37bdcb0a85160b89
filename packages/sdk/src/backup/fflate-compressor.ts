/**
 * Chunk compressors in pure JavaScript, for browsers (spec §8.3). `browserCompressor` writes
 * LZ4 (the codec since spec v5); `fflateCompressor` writes raw DEFLATE as writers before v5
 * did (kept for tests of that format). Both read both codecs, and what Node's
 * compressors write.
 */
import { deflateSync, inflateSync } from "fflate";
import { type BlockCodec, type ChunkCodec, chunkCompressor } from "./compressor.ts";
import { lz4CompressBlock, lz4DecompressBlock } from "./lz4-block.ts";

const codecs: Record<ChunkCodec, BlockCodec> = {
  lz4: { compress: lz4CompressBlock, decompress: lz4DecompressBlock },
  deflate: {
    compress: (data) => deflateSync(data, { level: 1 }),
    // A fixed-size output buffer bounds a decompression bomb. One byte more than recorded:
    // fflate stops silently at the buffer's end, so a longer output must show as longer.
    decompress: (data, rawLength) => inflateSync(data, { out: new Uint8Array(rawLength + 1) }),
  },
};

export const browserCompressor = chunkCompressor("lz4", codecs);
export const fflateCompressor = chunkCompressor("deflate", codecs);
