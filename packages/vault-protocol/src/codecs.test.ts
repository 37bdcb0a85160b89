/** Shared validators and parsers of untrusted input (spec §2, §4.1, §7): examples and fuzzing. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromBase64Url, toBase64Url } from "@chatvault/format";
import { accountIdProblem, checkAccountId, isValidAccountId } from "./account-id.ts";
import { decodeDigest, parseBackupHead, parseLoginFinishResponse } from "./codecs.ts";
import { VaultProtocolError } from "./errors.ts";
import { accountIdFromToken } from "./context.ts";

test("account IDs: well-formed Unicode only, 1–256 code units, no control characters", () => {
  for (const ok of ["alice", "Zoë ✓ +49", "😀", "x\ufffdy", "a".repeat(256)]) assert.equal(accountIdProblem(ok), null, ok);
  for (const bad of ["", "a".repeat(257), "x\ud800y", "x\udc00y", "\ud800", "\udfff\ud800", "a\u0000", "a\u007f", "a\n"]) {
    assert.notEqual(accountIdProblem(bad), null, JSON.stringify(bad));
    assert.throws(() => checkAccountId(bad), TypeError);
  }
  assert.equal(isValidAccountId(7), false);
  // Property: valid ⇔ the UTF-8 round-trip is lossless (for strings without control characters).
  fc.assert(
    fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), (s) => {
      if ([...s].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f")) return;
      const lossless = new TextDecoder().decode(new TextEncoder().encode(s)) === s;
      assert.equal(isValidAccountId(s), lossless);
    }),
    { numRuns: 500 },
  );
});

test("account IDs: the client refuses a token whose sub is ill-formed", () => {
  assert.equal(accountIdFromToken(`e30.${Buffer.from('{"sub":"alice"}').toString("base64url")}.x`), "alice");
  const lone = `e30.${Buffer.from('{"sub":"x\\ud800y"}').toString("base64url")}.x`;
  assert.throws(() => accountIdFromToken(lone), /not well-formed/);
});

test("digests: one rule — canonical base64url of 16–64 whole bytes", () => {
  for (let n = 0; n <= 70; n++) {
    const b = new Uint8Array(n).fill(n);
    const d = decodeDigest(toBase64Url(b));
    assert.equal(d !== null, n >= 16 && n <= 64, `${n} bytes`);
  }
  for (const bad of ["A".repeat(25), "A".repeat(21) + "B", "A".repeat(22) + "=", "A".repeat(21) + "+", 5, null])
    assert.equal(decodeDigest(bad), null, String(bad));
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (s) => {
      const d = decodeDigest(s);
      if (d !== null) assert.equal(toBase64Url(d), s, "decode∘encode is the identity on accepted strings");
    }),
    { numRuns: 1000 },
  );
});

test("parseBackupHead and parseLoginFinishResponse: strict, fuzzed, old vaults' answers still parse", () => {
  const d = toBase64Url(new Uint8Array(32).fill(1));
  const sig = toBase64Url(new Uint8Array(64).fill(2));
  assert.deepEqual(parseBackupHead({ sequence: 3, digest: d, updatedAt: 1 }), { sequence: 3, digest: d, updatedAt: 1, signature: null }, "revision 1 answer");
  assert.equal(parseBackupHead({ sequence: 3, digest: d, updatedAt: 1, signature: sig }).signature, sig);
  for (const bad of [
    { sequence: 3, digest: "A".repeat(25), updatedAt: 1 },
    { sequence: 3, digest: d, updatedAt: 1, signature: "AA" },
    { sequence: 0, digest: d, updatedAt: 1 },
    { sequence: 3, digest: null, updatedAt: null },
  ]) {
    assert.throws(() => parseBackupHead(bad), VaultProtocolError, JSON.stringify(bad));
  }
  fc.assert(
    fc.property(fc.anything(), (x) => {
      try {
        parseBackupHead(x);
      } catch (e) {
        assert.ok(e instanceof VaultProtocolError);
      }
    }),
    { numRuns: 500 },
  );
  const base = {
    sessionToken: "v2.AAAAAAAAAAAAAAAA.AAAA",
    sessionExpiresAt: 1,
    recordVersion: 1,
    wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
  };
  assert.equal(parseLoginFinishResponse(base).headKeyRegistered, undefined, "revision 1 answer");
  assert.equal(parseLoginFinishResponse({ ...base, headKeyRegistered: false }).headKeyRegistered, false);
  assert.throws(() => parseLoginFinishResponse({ ...base, headKeyRegistered: "no" }), VaultProtocolError);
  assert.ok(fromBase64Url(d).length === 32);
});
