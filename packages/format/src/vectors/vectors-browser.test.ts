/**
 * The spec's test vectors inside Debian Chromium, on WebCrypto, through the very runner
 * vectors.test.ts uses in Node. The runner and the format package are bundled by esbuild for
 * the browser (any `node:` import fails the bundle), served on 127.0.0.1 with the vector files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { webCryptoBackend } from "../backend.ts";
import { vectorsDir } from "../../scripts/generate-vectors.ts";
import { bundleForBrowser } from "./browser-bundle.ts";
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

const PAGE = `<!doctype html><meta charset="utf-8"><title>chatvault vectors</title><script type="module" src="/bundle.js"></script>`;

function serve(bundle: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const vector = /^\/vectors\/([a-z-]+)\.json$/.exec(url);
    if (url === "/") res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    else if (url === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else if (vector && (VECTOR_FILES as readonly string[]).includes(vector[1]!)) {
      res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(join(vectorsDir, `${vector[1]}.json`)));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("every vector passes in Chromium (WebCrypto), the same ones as in Node", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  const { code, errors } = await bundleForBrowser({ source: ENTRY, resolveDir: here });
  assert.deepEqual(errors, [], `bundle failed:\n${errors.join("\n")}`);

  const server = await serve(code);
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => typeof (globalThis as { runAllVectors?: unknown }).runAllVectors === "function");
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
  assert.deepEqual(inBrowser.map((r) => r.name), inNode.map((r) => r.name), "Chromium and Node must run the same vectors");
  t.diagnostic(`${inBrowser.length} vectors passed in Chromium ${browser.version()}`);
});
