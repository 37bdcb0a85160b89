/**
 * spec/vectors/passkey.json (spec/backup-format.md §13) in Node on both backends and in
 * Chromium on WebCrypto (the runner bundled for the browser, as vectors-browser.test.ts
 * does); the generator reproduces the committed file; the object parser is fuzzed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { chromiumAvailable, needService } from "@chatvault/testkit";
import { webCryptoBackend } from "../backend.ts";
import { IntegrityError } from "../errors.ts";
import { nodeCryptoBackend } from "../node.ts";
import { decodePasskeyWrap, encodePasskeyWrap } from "../passkey-wrap.ts";
import { generatePasskeyVectors, passkeyVectorsPath } from "../../scripts/generate-passkey-vectors.ts";
import { openVectorPage } from "./vector-page.ts";
import { type PasskeyVectorFile, type PasskeyVectorResult, runPasskeyVectors } from "./run-passkey-vectors.ts";

const here = new URL(".", import.meta.url).pathname;
const text = () => readFileSync(passkeyVectorsPath, "utf8");

test("passkey vectors: the generator reproduces the committed file", async () => {
  assert.equal(await generatePasskeyVectors(), text());
});

test("passkey vectors pass on WebCrypto and node:crypto, with successes and every failure reason", async () => {
  const file = JSON.parse(text()) as PasskeyVectorFile;
  const reasons = new Set(file.vectors.map((v) => (v.expected === "success" ? "success" : v.expected.reason)));
  for (const r of ["success", "auth_failed", "truncated", "trailing_data", "bad_magic", "unsupported_version", "bad_structure", "too_short"])
    assert.ok(reasons.has(r), r);
  for (const backend of [webCryptoBackend(), nodeCryptoBackend]) {
    const results = await runPasskeyVectors(file, backend);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
      backend.name,
    );
    assert.equal(results.length, file.vectors.length);
  }
});

test("passkey key objects: any bytes parse or fail with an IntegrityError; parse ∘ serialize is the identity", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        const w = decodePasskeyWrap(bytes);
        assert.deepEqual(encodePasskeyWrap(w), bytes);
      } catch (e) {
        assert.ok(e instanceof IntegrityError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 255 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ minLength: 48, maxLength: 48 }),
      (credentialId, prfSalt, nonce, wrapped) => {
        const bytes = encodePasskeyWrap({ version: 1, credentialId, prfSalt, nonce, wrapped });
        assert.deepEqual(decodePasskeyWrap(bytes), { version: 1, credentialId, prfSalt, nonce, wrapped });
        assert.equal(bytes.length, 98 + credentialId.length); // the length §13 gives
      },
    ),
  );
});

const ENTRY = `
  import { webCryptoBackend } from "@chatvault/format";
  import { runPasskeyVectors } from "./run-passkey-vectors.ts";
  globalThis.runPasskey = async () => runPasskeyVectors(await (await fetch("/passkey.json")).json(), webCryptoBackend());
`;

test("passkey vectors pass in Chromium (WebCrypto)", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  const { page } = await openVectorPage(t, { source: ENTRY, resolveDir: here, files: { "/passkey.json": passkeyVectorsPath }, ready: "runPasskey" });
  const results: PasskeyVectorResult[] = await page.evaluate(() =>
    (globalThis as unknown as { runPasskey: () => Promise<PasskeyVectorResult[]> }).runPasskey(),
  );
  const file = JSON.parse(text()) as PasskeyVectorFile;
  assert.equal(results.length, file.vectors.length);
  assert.deepEqual(
    results.filter((r) => !r.ok),
    [],
  );
});
