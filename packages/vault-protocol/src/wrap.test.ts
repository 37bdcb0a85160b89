/** Root-key wrapping against the vectors in spec/vectors/vault-wrap.json (spec §3.3). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { RootKey, fromBase64Url, fromHex, toHex } from "@chatvault/format";
import { RecordCorruptedError } from "./errors.ts";
import { deriveWrapKey, unwrapRootKey, vaultRecordAad, wrapRootKey } from "./wrap.ts";

interface Vector {
  name: string;
  accountId: string;
  recordVersion: number;
  exportKey: string;
  rootKeyHex: string;
  wrapKeyHex: string;
  aadHex: string;
  wrapped: { nonce: string; ciphertext: string };
  expected: "success" | "record_corrupted";
}
const { vectors } = JSON.parse(readFileSync(new URL("../../../spec/vectors/vault-wrap.json", import.meta.url), "utf8")) as { vectors: Vector[] };

for (const v of vectors) {
  test(`vault-wrap vector: ${v.name} → ${v.expected}`, async () => {
    const exportKey = fromBase64Url(v.exportKey);
    assert.equal(toHex(vaultRecordAad(v.accountId, v.recordVersion)), v.aadHex);
    assert.equal(toHex((await deriveWrapKey(exportKey)).unsafeBytes()), v.wrapKeyHex);
    if (v.expected === "success") {
      const rk = new RootKey(fromHex(v.rootKeyHex));
      const w = await wrapRootKey(rk, exportKey, v.accountId, v.recordVersion, { random: () => fromBase64Url(v.wrapped.nonce) });
      assert.deepEqual(w, v.wrapped);
      const back = await unwrapRootKey(v.wrapped, exportKey, v.accountId, v.recordVersion);
      assert.equal(toHex(back.unsafeBytes()), v.rootKeyHex);
    } else {
      await assert.rejects(unwrapRootKey(v.wrapped, exportKey, v.accountId, v.recordVersion), RecordCorruptedError);
    }
  });
}

test("wrap: random nonces, malformed input is record_corrupted, bad arguments throw", async () => {
  const rk = new RootKey(new Uint8Array(32).fill(5));
  const ek = new Uint8Array(64).fill(1);
  const a = await wrapRootKey(rk, ek, "a", 1);
  const b = await wrapRootKey(rk, ek, "a", 1);
  assert.notEqual(a.nonce, b.nonce);
  await assert.rejects(unwrapRootKey({ nonce: "!!", ciphertext: a.ciphertext }, ek, "a", 1), RecordCorruptedError);
  await assert.rejects(unwrapRootKey({ nonce: a.nonce, ciphertext: a.ciphertext.slice(0, 40) }, ek, "a", 1), RecordCorruptedError);
  await assert.rejects(unwrapRootKey(a, new Uint8Array(64).fill(2), "a", 1), RecordCorruptedError);
  assert.throws(() => vaultRecordAad("", 1), TypeError);
  assert.throws(() => vaultRecordAad("a", 0), RangeError);
  await assert.rejects(deriveWrapKey(new Uint8Array(16)), TypeError);
  assert.equal(String(await deriveWrapKey(ek)), "[redacted]");
});
