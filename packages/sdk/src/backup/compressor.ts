/**
 * Chunk compression (spec §8.3): a chunk's payload is its plaintext, or the plaintext
 * compressed with one of the codecs below, named by its index entry's flags. Injected so
 * Node uses native code (lz4-napi, zlib) and browsers JavaScript (lz4js, fflate); every
 * compressor reads every codec, and each reads the others' output.
 */
import { IntegrityError } from "@chatvault/format";

/** Payload codecs (spec §8.3): `lz4` is written since spec v5, `deflate` by earlier writers. */
export type ChunkCodec = "deflate" | "lz4";

export interface CompressedPayload {
  codec: ChunkCodec;
  bytes: Uint8Array;
}

export interface Compressor {
  /** The compressed payload and its codec, or null when compressing does not save at least 1/8. */
  compress(data: Uint8Array): CompressedPayload | null;
  /**
   * The plaintext of a payload compressed with `codec`. MUST refuse (IntegrityError
   * `bad_structure`) output longer or shorter than `rawLength`, and never allocate more.
   */
  decompress(data: Uint8Array, rawLength: number, codec: ChunkCodec): Uint8Array;
}

/** One codec's two directions, raw: no length rules, may throw anything on bad input. */
export interface BlockCodec {
  /** Compressed bytes, or null when the codec finds nothing to gain. */
  compress(data: Uint8Array): Uint8Array | null;
  /** Decompress into at most `rawLength` bytes; returns what it produced. */
  decompress(data: Uint8Array, rawLength: number): Uint8Array;
}

/** Below this, a page or piece is stored as it is: nothing to gain. */
const MIN_COMPRESS = 64;

/**
 * The most a payload of `n` bytes can expand to (spec §8.3): LZ4 at most 255:1 (each
 * length byte 0xFF adds 255), DEFLATE at most 1032:1 (RFC 1951: 258 bytes per two bits).
 * A larger recorded `rawLength` is refused before anything is allocated.
 */
export function maxExpansion(codec: ChunkCodec, n: number): number {
  return codec === "lz4" ? 255 * n + 16 : 1032 * n + 16;
}

/**
 * A compressor that writes `write` and reads every codec of `codecs`, with the rules of
 * spec §8.3 in one place: the 1/8 saving, the expansion bound, the exact recorded
 * length, and a typed error for any failure of the codec itself.
 */
export function chunkCompressor(write: ChunkCodec, codecs: Record<ChunkCodec, BlockCodec>): Compressor {
  const writer = codecs[write];
  return {
    compress(data) {
      if (data.length < MIN_COMPRESS) return null;
      const out = writer.compress(data);
      return out && out.length <= data.length - (data.length >> 3) ? { codec: write, bytes: out } : null;
    },
    decompress(data, rawLength, codec) {
      const c = codecs[codec];
      if (!c) throw new IntegrityError("bad_structure", `unknown chunk codec ${String(codec)}`);
      if (rawLength > maxExpansion(codec, data.length))
        throw new IntegrityError("bad_structure", `compressed chunk records a length its ${codec} payload cannot reach`);
      let out: Uint8Array;
      try {
        out = c.decompress(data, rawLength);
      } catch {
        throw new IntegrityError("bad_structure", `compressed chunk does not decompress (${codec})`);
      }
      if (out.length !== rawLength) throw new IntegrityError("bad_structure", `compressed chunk does not decompress to its recorded length (${codec})`);
      return out;
    },
  };
}
/** Worth compressing? Media that is already compressed is not (don't spend CPU on JPEG/MP4). */
const INCOMPRESSIBLE = new Set([
  "jpg",
  "jpeg",
  "png",
  "gif",
  "webp",
  "heic",
  "heif",
  "avif",
  "mp4",
  "m4a",
  "m4v",
  "mov",
  "3gp",
  "webm",
  "mkv",
  "mp3",
  "aac",
  "opus",
  "ogg",
  "oga",
  "amr",
  "zip",
  "gz",
  "xz",
  "zst",
  "bz2",
  "7z",
  "rar",
  "pdf",
  "apk",
  "enc",
  "crypt14",
  "crypt15",
]);

export function looksCompressible(path: string): boolean {
  const dot = path.lastIndexOf(".");
  if (dot < 0) return true;
  return !INCOMPRESSIBLE.has(path.slice(dot + 1).toLowerCase());
}
