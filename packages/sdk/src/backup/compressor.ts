/**
 * Chunk compression (spec §8.3: raw DEFLATE, flag bit 0). Injected so Node uses zlib
 * and browsers use fflate; both read each other's output.
 */
export interface Compressor {
  /** Compressed bytes, or null when compressing does not save at least 1/8. */
  compress(data: Uint8Array): Uint8Array | null;
  /** Inflate; MUST refuse output longer than `rawLength`. */
  decompress(data: Uint8Array, rawLength: number): Uint8Array;
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
