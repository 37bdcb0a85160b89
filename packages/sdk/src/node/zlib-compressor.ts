/** Raw DEFLATE on Node's zlib (native; level 1: pages are small and speed matters more). */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { IntegrityError } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";

export const zlibCompressor: Compressor = {
  compress(data) {
    if (data.length < 64) return null;
    const out = deflateRawSync(data, { level: 1 });
    return out.length <= data.length - (data.length >> 3) ? new Uint8Array(out.buffer, out.byteOffset, out.length) : null;
  },
  decompress(data, rawLength) {
    try {
      // maxOutputLength bounds a decompression bomb: never more than the recorded length.
      const out = inflateRawSync(data, { maxOutputLength: Math.max(1, rawLength), finishFlush: constants.Z_SYNC_FLUSH });
      if (out.length !== rawLength) throw new Error("length");
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch {
      throw new IntegrityError("bad_structure", "compressed chunk does not inflate to its recorded length");
    }
  },
};
