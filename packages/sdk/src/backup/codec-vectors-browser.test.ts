/**
 * spec/vectors/chunk-codec.json (spec §8.3, §9) inside Debian Chromium, through the same
 * runner and the browser's compressor (lz4js encoder, our LZ4 block decoder, fflate),
 * bundled for the browser (any Node import fails the bundle). Also checks, in the page,
 * that the browser's LZ4 blocks decode to their input. Skips without Chromium (CI=true runs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chromiumAvailable, needService } from "@chatvault/testkit";
import { openVectorPage } from "../../../format/src/vectors/vector-page.ts";
import { codecVectorsFile } from "../../scripts/generate-codec-vectors.ts";
import { type CodecVectorFile, type CodecVectorResult, runCodecVectors } from "./codec-vectors.ts";
import { browserCompressor } from "./fflate-compressor.ts";

const here = new URL(".", import.meta.url).pathname;

const ENTRY = `
  import { runCodecVectors } from "./codec-vectors.ts";
  import { browserCompressor } from "./fflate-compressor.ts";
  globalThis.runCodecVectors = async () => {
    const file = await (await fetch("/vectors/chunk-codec.json")).json();
    const results = runCodecVectors(file, { browserCompressor });
    const page = new Uint8Array(4096).map((_, i) => "chat page text "[i % 15].charCodeAt(0) ^ (i >> 9));
    const packed = browserCompressor.compress(page);
    const back = packed && browserCompressor.decompress(packed.bytes, page.length, packed.codec);
    results.push({ name: "browser LZ4 round trip", ok: !!back && packed.codec === "lz4" && back.every((b, i) => b === page[i]), detail: "" });
    return results;
  };
`;

test("every chunk-codec vector passes in Chromium with the browser compressor", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  const { page, browserVersion, pageErrors } = await openVectorPage(t, {
    source: ENTRY,
    resolveDir: here,
    files: { "/vectors/chunk-codec.json": codecVectorsFile },
    ready: "runCodecVectors",
  });
  const inBrowser: CodecVectorResult[] = await page.evaluate(() =>
    (globalThis as unknown as { runCodecVectors: () => Promise<CodecVectorResult[]> }).runCodecVectors(),
  );
  assert.deepEqual(pageErrors, []);
  const failed = inBrowser.filter((r) => !r.ok);
  assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));
  const inNode = runCodecVectors(JSON.parse(readFileSync(codecVectorsFile, "utf8")) as CodecVectorFile, { browserCompressor });
  assert.deepEqual(
    inBrowser.slice(0, -1).map((r) => r.name),
    inNode.map((r) => r.name),
    "Chromium and Node run the same vectors",
  );
  t.diagnostic(`${inBrowser.length} checks passed in Chromium ${browserVersion}`);
});
