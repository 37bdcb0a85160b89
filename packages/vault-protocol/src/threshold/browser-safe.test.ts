/**
 * `@chatvault/vault-protocol/threshold` imports nothing from Node (CONVENTIONS habit 4):
 * esbuild bundles it for the browser with the format package's no-Node check (fails naming
 * the importer). Runs without Chromium; vectors-browser.test.ts also executes it there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bundleForBrowser } from "../../../format/src/vectors/browser-bundle.ts";

const here = new URL(".", import.meta.url).pathname;

test("the threshold client bundles for the browser without Node modules", async () => {
  const { code, errors } = await bundleForBrowser({ source: `import * as m from "@chatvault/vault-protocol/threshold"; console.log(m);`, resolveDir: here });
  assert.deepEqual(errors, [], errors.join("\n"));
  assert.ok(code.length > 10_000);
});

test("the check would catch a Node import in the threshold client", async () => {
  const { errors } = await bundleForBrowser({
    source: `import "./index.ts"; import { createHash } from "node:crypto"; console.log(createHash);`,
    resolveDir: here,
  });
  assert.equal(errors.length, 1, errors.join("\n"));
});
