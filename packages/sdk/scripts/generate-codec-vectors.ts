/**
 * Writes spec/vectors/chunk-codec.json (spec §8.3, §9): chunk payloads of each codec with the
 * plaintext they must decode to, and malformed payloads every reader must refuse. The LZ4
 * and DEFLATE success payloads come from this release's encoders (lz4-napi, lz4js, zlib);
 * the malformed ones are built byte by byte from the LZ4 block format. Deterministic, but
 * a later encoder may write other (equally valid) bytes: the committed file is the
 * reference, and every reader must pass it.
 *   node --conditions=chatvault-source --import tsx packages/sdk/scripts/generate-codec-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { toHex } from "@chatvault/format";
import { nodeCompressor } from "../src/node/zlib-compressor.ts";
import { lz4CompressBlock } from "../src/backup/lz4-block.ts";
import { maxExpansion } from "../src/backup/compressor.ts";
import type { CodecVector, CodecVectorFile } from "../src/backup/codec-vectors.ts";

export const codecVectorsFile = new URL("../../../spec/vectors/chunk-codec.json", import.meta.url).pathname;

const enc = new TextEncoder();
const bad = { error: "integrity", reason: "bad_structure" } as const;

/** A page-like input: a B-tree page header, cell pointers, and rows of chat text; deterministic. */
function pageLike(size: number): Uint8Array {
  const page = new Uint8Array(size);
  page.set([0x0d, 0, 0, 0, 40, 0x0e, 0x10, 0]);
  for (let i = 0; i < 40; i++) page.set([0x0e, (0x10 + i * 7) & 0xff], 8 + i * 2);
  let at = 0x0e10;
  for (let i = 0; at < size - 80; i++) {
    const row = enc.encode(`\u0005\u0001msg ${1000 + i} from contact ${i % 7}: see you at ${8 + (i % 12)}:${(i * 13) % 60} ok?`);
    page.set(row.subarray(0, size - at), at);
    at += row.length;
  }
  return page;
}

function lz4(data: Uint8Array): Uint8Array {
  return nodeCompressor.compress(data)!.bytes;
}

function vector(name: string, flags: number, rawLength: number, payload: Uint8Array, plaintext?: Uint8Array): CodecVector {
  return plaintext
    ? { name, flags, raw_length: rawLength, payload: toHex(payload), plaintext: toHex(plaintext), expected: "success" }
    : { name, flags, raw_length: rawLength, payload: toHex(payload), expected: bad };
}

export function buildCodecVectors(): CodecVectorFile {
  const page = pageLike(4096);
  const text = enc.encode("message 17 from Alice to Bob: are we still on for lunch? ".repeat(40));
  const zeros = new Uint8Array(4096);
  const pageLz4 = lz4(page);
  const run = Uint8Array.from([0x1f, 0x61, 0x01, 0x00, 0x00, 0x10, 0x62]); // "a", match(1, 19), "b"
  const runPlain = enc.encode("a".repeat(20) + "b");
  const longLit = Uint8Array.from([0xf0, 0xff, 0x00, ...Array.from({ length: 270 }, (_, i) => i & 0xff)]); // 15 + 255 + 0 literals
  const v: CodecVector[] = [
    vector("stored: flags 0, the payload is the plaintext", 0, text.length, text, text),
    vector("lz4: a database-page-like 4 KiB page (lz4-napi)", 2, 4096, pageLz4, page),
    vector("lz4: the same page (lz4js, the browser's encoder)", 2, 4096, lz4CompressBlock(page)!, page),
    vector("lz4: chat text (lz4-napi)", 2, text.length, lz4(text), text),
    vector("lz4: an all-zero page", 2, 4096, lz4(zeros), zeros),
    vector("lz4: overlapping match (a run of one byte)", 2, 21, run, runPlain),
    vector(
      "lz4: literals only, length extended past 255",
      2,
      270,
      longLit,
      Uint8Array.from({ length: 270 }, (_, i) => i & 0xff),
    ),
    vector("deflate: a page written before v5 (zlib level 1)", 1, 4096, new Uint8Array(deflateRawSync(page, { level: 1 })), page),
    vector("deflate: chat text written before v5", 1, text.length, new Uint8Array(deflateRawSync(text, { level: 1 })), text),
    vector("flags 3: two codecs at once", 3, 4096, pageLz4),
    vector("flags 4: an unknown codec bit", 4, 4096, pageLz4),
    vector("flags 0x80: an unknown codec bit", 0x80, 4096, pageLz4),
    vector("stored: payload shorter than rawLength", 0, text.length + 1, text),
    vector("lz4: rawLength one byte more than the block gives (output shorter)", 2, 4097, pageLz4),
    vector("lz4: rawLength one byte less (output longer)", 2, 4095, pageLz4),
    vector("lz4: rawLength past 255 × payload (decompression bomb, refused before allocating)", 2, maxExpansion("lz4", pageLz4.length) + 1, pageLz4),
    vector("lz4: rawLength 2^32 − 1", 2, 0xffffffff, pageLz4),
    vector("lz4: match offset 0", 2, 21, Uint8Array.from([0x1f, 0x61, 0x00, 0x00, 0x00, 0x10, 0x62])),
    vector("lz4: match offset before the output's start", 2, 21, Uint8Array.from([0x1f, 0x61, 0x02, 0x00, 0x00, 0x10, 0x62])),
    vector("lz4: block ends inside an offset", 2, 21, Uint8Array.from([0x1f, 0x61, 0x01])),
    vector("lz4: block ends after a match, without last literals", 2, 20, Uint8Array.from([0x1f, 0x61, 0x01, 0x00, 0x00])),
    vector("lz4: block ends inside a length", 2, 300, Uint8Array.from([0xf0, 0xff, 0xff])),
    vector("lz4: literals run past the block", 2, 30, Uint8Array.from([0x90, 0x61, 0x62])),
    vector("lz4: cut short by 1 byte", 2, 4096, pageLz4.subarray(0, pageLz4.length - 1)),
    vector("lz4: empty payload", 2, 64, new Uint8Array(0)),
    vector("deflate: LZ4 bytes labelled DEFLATE", 1, 4096, pageLz4),
    vector("deflate: rawLength one byte less (output longer)", 1, 4095, new Uint8Array(deflateRawSync(page, { level: 1 }))),
    vector("deflate: rawLength one byte more (output shorter)", 1, 4097, new Uint8Array(deflateRawSync(page, { level: 1 }))),
    vector("deflate: rawLength past 1032 × payload (decompression bomb)", 1, 0xffffffff, new Uint8Array(deflateRawSync(zeros, { level: 1 }))),
  ];
  return {
    file: "chunk-codec",
    spec: "backup-format.md §8.3",
    description:
      "Chunk payloads as an index entry describes them (flags: 0 stored, 1 DEFLATE, 2 LZ4 block; raw_length) after the sealed chunk was opened, with the plaintext a reader must produce or the integrity reason it must fail with. Generated by packages/sdk/scripts/generate-codec-vectors.ts.",
    vectors: v,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(codecVectorsFile, JSON.stringify(buildCodecVectors(), null, 2) + "\n");
  process.stdout.write(`wrote ${join("spec", "vectors", "chunk-codec.json")}\n`);
}
