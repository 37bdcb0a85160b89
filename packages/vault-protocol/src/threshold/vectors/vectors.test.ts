/**
 * spec/vectors/threshold-*.json in Node on both crypto backends; the generator reproduces
 * the committed files byte for byte; the runner notices a wrong outcome or output.
 * The same runner runs in Chromium: vectors-browser.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { webCryptoBackend } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { generateThresholdVectors, thresholdVectorsDir } from "../../../scripts/generate-threshold-vectors.ts";
import { runThresholdVectors, THRESHOLD_VECTOR_FILES, type ThresholdVectorSet } from "./run-vectors.ts";

export function loadThresholdVectors(): ThresholdVectorSet {
  return Object.fromEntries(
    THRESHOLD_VECTOR_FILES.map((f) => [f, JSON.parse(readFileSync(join(thresholdVectorsDir, `${f}.json`), "utf8"))]),
  ) as ThresholdVectorSet;
}

const MUST_COVER = [
  "shares",
  "lagrange",
  "stretch",
  "input",
  "keys",
  "wrap",
  "threshold-oprf",
  "head",
  "admin",
  "verify-proof:bad_proof",
  "check-share-tag:bad_share",
  "open-wrapped:bad_wrapped_key",
  "combine-check:bad_unlock_check",
  "verify-head:bad_signature",
  "verify-admin:bad_signature",
  "parse-info",
  "parse-start",
  "parse-info:bad_answer",
  "parse-start:bad_answer",
];

test("threshold vectors declare outcomes, carry outputs, and cover every derivation and named failure", () => {
  const set = loadThresholdVectors();
  const seen = new Set<string>();
  for (const f of THRESHOLD_VECTOR_FILES) {
    assert.equal(set[f].file, f);
    for (const v of set[f].vectors) {
      if (v.expected === "success") {
        seen.add(v.op);
        if (!v.op.startsWith("verify") && !v.op.startsWith("check") && v.op !== "combine-check" && v.op !== "open-wrapped") {
          assert.ok(v.output && Object.keys(v.output).length > 0, `${f}/${v.name}: success without output`);
        }
      } else seen.add(`${v.op}:${v.expected.error}`);
    }
  }
  for (const want of MUST_COVER) assert.ok(seen.has(want), `no vector for ${want}`);
  // Every t-subset of the threshold OPRF vectors gives the direct VOPRF output (§6.3).
  for (const v of set["threshold-oprf"].vectors.filter((x) => x.op === "threshold-oprf")) {
    const o = v.output as { output: string; subsets: { output: string }[] };
    assert.ok(o.subsets.length >= 1 && o.subsets.every((s) => s.output === o.output), v.name);
  }
});

for (const backend of [webCryptoBackend(), nodeCryptoBackend]) {
  test(`every threshold vector passes on ${backend.name}`, async () => {
    const results = await runThresholdVectors(loadThresholdVectors(), backend);
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));
    assert.ok(results.length >= 45, `only ${results.length} vectors`);
  });
}

test("the generator reproduces the committed threshold vectors", async () => {
  const fresh = await generateThresholdVectors(webCryptoBackend());
  for (const f of THRESHOLD_VECTOR_FILES) {
    assert.ok(
      fresh[f] === readFileSync(join(thresholdVectorsDir, `${f}.json`), "utf8"),
      `spec/vectors/${f}.json differs from the generator; run packages/vault-protocol/scripts/generate-threshold-vectors.ts`,
    );
  }
});

test("the runner notices a wrong outcome and a wrong output", async () => {
  const set = loadThresholdVectors();
  const find = (f: keyof ThresholdVectorSet, name: string) => set[f].vectors.find((v) => v.name === name)!;
  find("threshold-oprf", "bad proof: realm 1's proof against Y_2").expected = "success";
  const w = find("threshold-derive", "wrapped root key E");
  (w.output as { wrappedRootKey: string }).wrappedRootKey = "00";
  const s = find("threshold-sharing", "shares 2-of-3");
  (s.output as { shares: { wrapShare: string }[] }).shares[1]!.wrapShare = "00";
  const bad = (await runThresholdVectors(set, webCryptoBackend()))
    .filter((r) => !r.ok)
    .map((r) => r.name)
    .sort();
  assert.deepEqual(bad, ["threshold-derive/wrapped root key E", "threshold-oprf/bad proof: realm 1's proof against Y_2", "threshold-sharing/shares 2-of-3"]);
});
