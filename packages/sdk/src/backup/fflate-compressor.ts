/** Raw DEFLATE in pure JS (fflate), for browsers. Reads what Node's zlib writes, and back. */
import { deflateSync, inflateSync } from "fflate";
import { IntegrityError } from "@chatvault/format";
import type { Compressor } from "./compressor.ts";

export const fflateCompressor: Compressor = {
  compress(data) {
    if (data.length < 64) return null;
    const out = deflateSync(data, { level: 1 });
    return out.length <= data.length - (data.length >> 3) ? out : null;
  },
  decompress(data, rawLength) {
    let out: Uint8Array;
    try {
      // A fixed-size output buffer bounds a decompression bomb.
      out = inflateSync(data, { out: new Uint8Array(rawLength) });
    } catch {
      throw new IntegrityError("bad_structure", "compressed chunk does not inflate");
    }
    if (out.length !== rawLength) throw new IntegrityError("bad_structure", "compressed chunk does not inflate to its recorded length");
    return out;
  },
};
