/**
 * The spec's test vectors (spec/vectors/*.json) in Node, on both backends; and the
 * generator must reproduce the committed files byte for byte (so they are never hand-edited
 * and never drift from the code). The same runner runs in Chromium: vectors-browser.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { webCryptoBackend } from "../backend.ts";
import { nodeCryptoBackend } from "../node.ts";
import { generateVectors, vectorsDir } from "../../scripts/generate-vectors.ts";
import { runVectors, VECTOR_FILES, type VectorSet } from "./run-vectors.ts";

function loadVectors(): VectorSet {
  return Object.fromEntries(VECTOR_FILES.map((f) => [f, JSON.parse(readFileSync(join(vectorsDir, `${f}.json`), "utf8"))])) as VectorSet;
}

/**
 * Every failure the spec's MUST-reject rules name (spec/backup-format.md §3.3, §5.3, §6.6)
 * has at least one vector (a guard against a thinned-out generator).
 */
const MUST_COVER = [
  "stream:auth_failed",
  "stream:truncated",
  "stream:reordered",
  "stream:trailing_data",
  "stream:wrong_kind",
  "stream:bad_magic",
  "stream:bad_header",
  "stream:unsupported_version",
  "stream:bad_structure",
  "object:auth_failed",
  "object:too_short",
  "object:unsupported_version",
  "key-schedule:wrong_key",
];

test("vector files declare an outcome for every vector and cover every named failure", () => {
  const set = loadVectors();
  const seen = new Set<string>();
  for (const f of VECTOR_FILES) {
    assert.equal(set[f].file, f);
    for (const v of set[f].vectors) {
      assert.ok(v.expected === "success" || typeof v.expected?.error === "string", `${f}/${v.name}: no expected outcome`);
      if (v.expected !== "success") seen.add(`${f}:${v.expected.reason ?? v.expected.error}`);
    }
    assert.ok(
      set[f].vectors.some((v) => v.expected === "success"),
      `${f}: no success vector`,
    );
    assert.ok(
      set[f].vectors.some((v) => v.expected !== "success"),
      `${f}: no failure vector`,
    );
  }
  for (const want of MUST_COVER) assert.ok(seen.has(want), `no vector for ${want}`);
  const names = VECTOR_FILES.flatMap((f) => set[f].vectors.map((v) => `${f}/${v.name}`));
  assert.equal(new Set(names).size, names.length, "vector names must be unique");
});

for (const backend of [webCryptoBackend(), nodeCryptoBackend]) {
  test(`every vector passes on ${backend.name}`, async () => {
    const results = await runVectors(loadVectors(), backend);
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));
    assert.ok(results.length > 100, `only ${results.length} vectors`);
  });
}

for (const backend of [webCryptoBackend(), nodeCryptoBackend]) {
  test(`the generator reproduces the committed vectors on ${backend.name}`, async () => {
    const fresh = await generateVectors(backend);
    for (const f of VECTOR_FILES) {
      const committed = readFileSync(join(vectorsDir, `${f}.json`), "utf8");
      assert.ok(fresh[f] === committed, `spec/vectors/${f}.json differs from the generator's output; run packages/format/scripts/generate-vectors.ts`);
    }
  });
}

test("the runner notices a vector whose outcome is wrong", async () => {
  const set = loadVectors();
  const pick = (f: keyof VectorSet, name: string) => set[f].vectors.find((v) => v.name === name)!;
  pick("stream", "segments swapped").expected = { error: "integrity", reason: "truncated" };
  pick("object", "one byte").plaintext = "2b";
  pick("key-codec", "uppercase").expected = { error: "key_format" };
  pick("chunker", "small parameters, 64 KiB").chunks = [];
  const bad = (await runVectors(set, nodeCryptoBackend)).filter((r) => !r.ok).map((r) => r.name);
  assert.deepEqual(bad.sort(), ["chunker/small parameters, 64 KiB", "key-codec/uppercase", "object/one byte", "stream/segments swapped"]);
});
