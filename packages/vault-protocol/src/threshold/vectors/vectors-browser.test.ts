/**
 * The threshold vectors inside Debian Chromium (WebCrypto, hash-wasm Argon2id, @noble/curves)
 * through the very runner vectors.test.ts uses in Node — the format vectors' mechanism
 * (bundleForBrowser: any `node:` import fails the bundle; launchChromium from testkit).
 * The bundle also pulls in the whole `@chatvault/vault-protocol/threshold` entry, so the
 * client is proven browser-safe here too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromiumAvailable, needService } from "@chatvault/testkit";
import { webCryptoBackend } from "@chatvault/format";
import { openVectorPage } from "../../../../format/src/vectors/vector-page.ts";
import { thresholdVectorsDir } from "../../../scripts/generate-threshold-vectors.ts";
import { runThresholdVectors, THRESHOLD_VECTOR_FILES, type ThresholdVectorSet, type VectorResult } from "./run-vectors.ts";

const here = new URL(".", import.meta.url).pathname;

const ENTRY = `
  import { webCryptoBackend } from "@chatvault/format";
  import * as threshold from "@chatvault/vault-protocol/threshold";
  import { runThresholdVectors } from "./run-vectors.ts";
  globalThis.thresholdExports = Object.keys(threshold).length;
  globalThis.timeDefaultKsf = async () => {
    const start = performance.now();
    await threshold.stretchPassword(new TextEncoder().encode("correct horse"), new Uint8Array(32).fill(1),
      { algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 });
    return performance.now() - start;
  };
  globalThis.runThresholdVectors = async (names) => {
    const set = {};
    for (const n of names) set[n] = await (await fetch("/vectors/" + n + ".json")).json();
    return runThresholdVectors(set, webCryptoBackend());
  };
`;
test("every threshold vector passes in Chromium, the same ones as in Node", { timeout: 180_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  const files = Object.fromEntries(THRESHOLD_VECTOR_FILES.map((f) => [`/vectors/${f}.json`, join(thresholdVectorsDir, `${f}.json`)]));
  const { page, browserVersion, pageErrors } = await openVectorPage(t, { source: ENTRY, resolveDir: here, files, ready: "runThresholdVectors" });
  const inBrowser: VectorResult[] = await page.evaluate(
    (names) => (globalThis as unknown as { runThresholdVectors: (n: string[]) => Promise<VectorResult[]> }).runThresholdVectors(names),
    [...THRESHOLD_VECTOR_FILES],
  );
  assert.ok((await page.evaluate(() => (globalThis as { thresholdExports?: number }).thresholdExports ?? 0)) > 20);
  assert.deepEqual(pageErrors, []);
  const failed = inBrowser.filter((r) => !r.ok);
  assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));
  const set = Object.fromEntries(
    THRESHOLD_VECTOR_FILES.map((f) => [f, JSON.parse(readFileSync(join(thresholdVectorsDir, `${f}.json`), "utf8"))]),
  ) as ThresholdVectorSet;
  const inNode = await runThresholdVectors(set, webCryptoBackend());
  assert.deepEqual(
    inBrowser.map((r) => r.name),
    inNode.map((r) => r.name),
  );
  t.diagnostic(`${inBrowser.length} threshold vectors passed in Chromium ${browserVersion}`);
  const ksfMs = await page.evaluate(() => (globalThis as unknown as { timeDefaultKsf: () => Promise<number> }).timeDefaultKsf());
  t.diagnostic(`hash-wasm Argon2id m=64MiB t=3 p=4 in Chromium: ${ksfMs.toFixed(0)} ms`);
});
