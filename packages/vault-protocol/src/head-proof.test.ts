/** Head proof against spec/vectors/vault-head.json (spec §7.1), plus properties and bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, hkdfSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import fc from "fast-check";
import { fromBase64Url, fromHex, toBase64Url, toHex } from "@chatvault/format";
import { deriveHeadSigningKey, headMessage, verifyHeadSignature } from "./head-proof.ts";
import { isValidAccountId } from "./account-id.ts";
import { HEAD_SIGNING_LABEL } from "./labels.ts";

interface Vector {
  name: string;
  rootKeyHex: string;
  seedHex: string | null;
  publicKey: string;
  accountId: string;
  sequence: number;
  digest: string;
  messageHex: string;
  signature: string;
  expected: "valid" | "invalid";
}
const { vectors } = JSON.parse(readFileSync(new URL("../../../spec/vectors/vault-head.json", import.meta.url), "utf8")) as { vectors: Vector[] };

for (const v of vectors) {
  test(`vault-head vector: ${v.name} → ${v.expected}`, () => {
    const digest = fromBase64Url(v.digest);
    assert.equal(toHex(headMessage(v.accountId, v.sequence, digest)), v.messageHex);
    const ok = verifyHeadSignature(fromBase64Url(v.publicKey), v.accountId, v.sequence, digest, fromBase64Url(v.signature));
    assert.equal(ok, v.expected === "valid");
    if (v.expected === "valid") {
      const k = deriveHeadSigningKey(fromHex(v.rootKeyHex));
      assert.equal(toBase64Url(k.publicKey), v.publicKey);
      assert.equal(toBase64Url(k.sign(v.accountId, v.sequence, digest)), v.signature, "Ed25519 is deterministic");
    }
  });
}

test("vault-head vectors are reproduced by node:crypto (independent HKDF and Ed25519)", () => {
  for (const v of vectors.filter((x) => x.expected === "valid")) {
    const seed = Buffer.from(hkdfSync("sha256", fromHex(v.rootKeyHex), Buffer.alloc(0), HEAD_SIGNING_LABEL, 32));
    assert.equal(seed.toString("hex"), v.seedHex);
    const key = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
    assert.equal(toBase64Url(sign(null, fromHex(v.messageHex), key)), v.signature);
  }
});

test("head proof: sign/verify round-trip; any change of account, sequence, digest or key fails", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.string({ minLength: 1, maxLength: 40 }).filter(isValidAccountId),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 1 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (rk, account, seq, digest) => {
        const k = deriveHeadSigningKey(rk);
        const sig = k.sign(account, seq, digest);
        assert.ok(verifyHeadSignature(k.publicKey, account, seq, digest, sig));
        assert.ok(!verifyHeadSignature(k.publicKey, account, seq + 1, digest, sig));
        assert.ok(!verifyHeadSignature(k.publicKey, account + "x", seq, digest, sig));
        const d2 = Uint8Array.from(digest);
        d2[0]! ^= 1;
        assert.ok(!verifyHeadSignature(k.publicKey, account, seq, d2, sig));
        const other = rk.slice();
        other[0]! ^= 1;
        assert.ok(!verifyHeadSignature(deriveHeadSigningKey(other).publicKey, account, seq, digest, sig));
      },
    ),
    { numRuns: 40 },
  );
});

test("head proof: bad arguments throw when signing and are false when verifying; the key prints [redacted]", () => {
  const k = deriveHeadSigningKey(new Uint8Array(32).fill(3));
  const d = new Uint8Array(32);
  assert.throws(() => deriveHeadSigningKey(new Uint8Array(31)), TypeError);
  assert.throws(() => k.sign("a", 0, d), RangeError);
  assert.throws(() => k.sign("a", 2 ** 53, d), RangeError);
  assert.throws(() => k.sign("a", 1, new Uint8Array(0)), RangeError);
  assert.throws(() => k.sign("a", 1, new Uint8Array(65)), RangeError);
  assert.throws(() => k.sign("x\ud800y", 1, d), TypeError);
  const sig = k.sign("a", 1, d);
  assert.equal(verifyHeadSignature(k.publicKey.subarray(1), "a", 1, d, sig), false);
  assert.equal(verifyHeadSignature(k.publicKey, "a", 1, d, sig.subarray(1)), false);
  assert.equal(verifyHeadSignature(k.publicKey, "a", 0, d, sig), false);
  assert.equal(verifyHeadSignature(new Uint8Array(32).fill(0xff), "a", 1, d, sig), false, "not a curve point");
  assert.equal(String(k), "[redacted]");
  assert.equal(JSON.stringify({ k }), '{"k":"[redacted]"}');
  assert.ok(!inspect(k).includes("seed") && inspect(k).includes("[redacted]"));
});
