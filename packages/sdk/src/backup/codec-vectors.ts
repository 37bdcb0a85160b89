/**
 * Runner of `spec/vectors/chunk-codec.json` (spec §8.3, §9): each vector is a chunk payload
 * as an index entry describes it (flags, rawLength) and its expected outcome. Browser-safe:
 * the same function runs in Node (codec-vectors.test.ts, every compressor) and in Chromium
 * (codec-vectors-browser.test.ts, the browser compressor).
 */
import { IntegrityError, fromHex, toHex } from "@chatvault/format";
import { chunkCodec } from "../repo/chunk-index.ts";
import type { Compressor } from "./compressor.ts";

export interface CodecVector {
  name: string;
  /** The index entry's flags byte. */
  flags: number;
  raw_length: number;
  /** The opened (decrypted) payload, hex. */
  payload: string;
  /** Success vectors: the chunk's plaintext, hex. */
  plaintext?: string;
  expected: "success" | { error: "integrity"; reason: string };
}

export interface CodecVectorFile {
  file: "chunk-codec";
  spec: string;
  description: string;
  vectors: CodecVector[];
}

export interface CodecVectorResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a reader does with a payload (spec §8.3): codec from the flags, then decompress to exactly rawLength. */
export function readPayload(compressor: Compressor, flags: number, rawLength: number, payload: Uint8Array): Uint8Array {
  const codec = chunkCodec(flags);
  const plain = codec ? compressor.decompress(payload, rawLength, codec) : payload;
  if (plain.length !== rawLength) throw new IntegrityError("bad_structure", "chunk length differs from the index");
  return plain;
}

export function runCodecVectors(file: CodecVectorFile, compressors: Record<string, Compressor>): CodecVectorResult[] {
  const out: CodecVectorResult[] = [];
  for (const v of file.vectors) {
    for (const [cn, c] of Object.entries(compressors)) {
      const name = `${v.name} [${cn}]`;
      let got: string;
      try {
        got = toHex(readPayload(c, v.flags, v.raw_length, fromHex(v.payload)));
      } catch (e) {
        const reason = e instanceof IntegrityError ? e.reason : `unexpected ${String(e)}`;
        const ok = v.expected !== "success" && e instanceof IntegrityError && reason === v.expected.reason;
        out.push({ name, ok, detail: ok ? "" : `failed with ${reason}` });
        continue;
      }
      const ok = v.expected === "success" && got === v.plaintext;
      out.push({ name, ok, detail: ok ? "" : v.expected === "success" ? "wrong plaintext" : "accepted a payload it must reject" });
    }
  }
  return out;
}
