/**
 * The spec's test vectors inside Debian Chromium, on WebCrypto, through the very runner
 * vectors.test.ts uses in Node. The runner and the format package are bundled by esbuild for
 * the browser (any `node:` import fails the bundle), served on 127.0.0.1 with the vector files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromiumAvailable, needService } from "@chatvault/testkit";
import { webCryptoBackend } from "../backend.ts";
import { vectorsDir } from "../../scripts/generate-vectors.ts";
import { openVectorPage } from "./vector-page.ts";
import { runVectors, VECTOR_FILES, type VectorResult, type VectorSet } from "./run-vectors.ts";

const here = new URL(".", import.meta.url).pathname;

// Imports the package by name, so its real browser entry is what gets bundled.
const ENTRY = `
  import { webCryptoBackend } from "@chatvault/format";
  import { runVectors } from "./run-vectors.ts";
  globalThis.runAllVectors = async (names) => {
    const set = {};
    for (const n of names) set[n] = await (await fetch("/vectors/" + n + ".json")).json();
    return runVectors(set, webCryptoBackend());
  };
`;

test("every vector passes in Chromium (WebCrypto), the same ones as in Node", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  const files = Object.fromEntries(VECTOR_FILES.map((f) => [`/vectors/${f}.json`, join(vectorsDir, `${f}.json`)]));
  const { page, browserVersion, pageErrors } = await openVectorPage(t, { source: ENTRY, resolveDir: here, files, ready: "runAllVectors" });
  assert.equal(await page.evaluate(() => globalThis.isSecureContext && typeof crypto.subtle === "object"), true, "WebCrypto needs a secure context");

  const inBrowser: VectorResult[] = await page.evaluate(
    (names) => (globalThis as unknown as { runAllVectors: (n: string[]) => Promise<VectorResult[]> }).runAllVectors(names),
    [...VECTOR_FILES],
  );
  assert.deepEqual(pageErrors, []);
  const failed = inBrowser.filter((r) => !r.ok);
  assert.deepEqual(failed, [], failed.map((r) => `${r.name}: ${r.detail}`).join("\n"));

  const set = Object.fromEntries(VECTOR_FILES.map((f) => [f, JSON.parse(readFileSync(join(vectorsDir, `${f}.json`), "utf8"))])) as VectorSet;
  const inNode = await runVectors(set, webCryptoBackend());
  assert.deepEqual(
    inBrowser.map((r) => r.name),
    inNode.map((r) => r.name),
    "Chromium and Node must run the same vectors",
  );
  t.diagnostic(`${inBrowser.length} vectors passed in Chromium ${browserVersion}`);
});
