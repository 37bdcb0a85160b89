/**
 * spec/vectors/chunk-codec.json (spec §8.3, §9) in Node, through every compressor (the
 * native ones and the browser's JavaScript ones); the generator reproduces the file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nodeCompressor, zlibCompressor } from "../node/zlib-compressor.ts";
import { buildCodecVectors, codecVectorsFile } from "../../scripts/generate-codec-vectors.ts";
import { type CodecVectorFile, runCodecVectors } from "./codec-vectors.ts";
import { browserCompressor, fflateCompressor } from "./fflate-compressor.ts";

const file = JSON.parse(readFileSync(codecVectorsFile, "utf8")) as CodecVectorFile;

test("every chunk-codec vector passes with every compressor in Node", (t) => {
  const results = runCodecVectors(file, { nodeCompressor, zlibCompressor, browserCompressor, fflateCompressor });
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));
  assert.ok(file.vectors.some((v) => v.flags === 2 && v.expected === "success") && file.vectors.some((v) => v.flags === 1 && v.expected === "success"));
  t.diagnostic(`${results.length} runs of ${file.vectors.length} vectors`);
});

test("the generator reproduces the committed chunk-codec.json", () => {
  assert.equal(JSON.stringify(buildCodecVectors(), null, 2) + "\n", readFileSync(codecVectorsFile, "utf8"));
});
