/**
 * Test support (Node only): run a bundled browser entry in Debian Chromium. The entry is
 * bundled with `bundleForBrowser` (any Node import fails the bundle), served on 127.0.0.1
 * with the JSON files it fetches, and the page is opened once the entry has defined its
 * `ready` global. Used by every test that runs vectors in the browser (format, passkey,
 * threshold), so the page, the server and their cleanup are written once.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium } from "@chatvault/testkit";
import { bundleForBrowser } from "./browser-bundle.ts";

export interface VectorPageOptions {
  /** The browser entry (TypeScript source) and the folder its relative imports resolve from. */
  source: string;
  resolveDir: string;
  /** URL path (e.g. `/vectors/object.json`) → file on disk, served as JSON. */
  files: Record<string, string>;
  /** A global function the entry defines; the page is ready once it exists. */
  ready: string;
}

export interface VectorPage {
  page: Page;
  browserVersion: string;
  /** Uncaught errors of the page so far. */
  pageErrors: string[];
}

export async function openVectorPage(t: TestContext, o: VectorPageOptions): Promise<VectorPage> {
  const { code, errors } = await bundleForBrowser({ source: o.source, resolveDir: o.resolveDir });
  assert.deepEqual(errors, [], `bundle failed:\n${errors.join("\n")}`);
  const page = `<!doctype html><meta charset="utf-8"><title>chatvault vectors</title><script type="module" src="/bundle.js"></script>`;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    const file = Object.hasOwn(o.files, url) ? o.files[url] : undefined;
    if (url === "/") res.writeHead(200, { "content-type": "text/html" }).end(page);
    else if (url === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(code);
    else if (file !== undefined) res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(file));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const tab = await browser.newPage();
  const pageErrors: string[] = [];
  tab.on("pageerror", (e) => pageErrors.push(String(e)));
  await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await tab.waitForFunction((name) => typeof (globalThis as Record<string, unknown>)[name] === "function", o.ready);
  return { page: tab, browserVersion: browser.version(), pageErrors };
}
