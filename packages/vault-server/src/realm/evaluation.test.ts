/** libsodium's evaluation equals @noble/curves' RFC 9497 BlindEvaluate element for random keys and elements (§5.4). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ristretto255, ristretto255_oprf } from "@noble/curves/ed25519.js";
import { evaluateElement, evaluationReady, isNonIdentityElement } from "./evaluation.ts";

const Fn = ristretto255.Point.Fn;

test("evaluateElement(k, B) == noble's BlindEvaluate element, for random k and blinded inputs", async () => {
  await evaluationReady();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (wide, input) => {
      const k = Fn.create(BigInt("0x" + Buffer.from(wide).toString("hex"))) || 1n;
      const kb = Fn.toBytes(k);
      const { blinded } = ristretto255_oprf.oprf.blind(input);
      const noble = ristretto255_oprf.oprf.blindEvaluate(kb, blinded);
      assert.deepEqual(evaluateElement(kb, blinded), noble);
      assert.deepEqual(ristretto255_oprf.voprf.blindEvaluate(kb, ristretto255.Point.BASE.multiply(k).toBytes(), blinded).evaluated, noble);
    }),
    { numRuns: 200 },
  );
});

test("edge scalars: 1 and ℓ − 1", async () => {
  await evaluationReady();
  const { blinded } = ristretto255_oprf.oprf.blind(new Uint8Array([1, 2, 3]));
  for (const k of [1n, Fn.ORDER - 1n]) assert.deepEqual(evaluateElement(Fn.toBytes(k), blinded), ristretto255_oprf.oprf.blindEvaluate(Fn.toBytes(k), blinded));
  assert.throws(() => evaluateElement(new Uint8Array(31), blinded), RangeError);
});

/** @noble/curves' answer: a canonical encoding that decodes, and not the identity. */
function nobleIsElement(b: Uint8Array): boolean {
  try {
    return !ristretto255.Point.fromBytes(b).equals(ristretto255.Point.ZERO);
  } catch {
    return false;
  }
}

test("isNonIdentityElement agrees with @noble/curves on random bytes, real elements, near-misses and the identity", async () => {
  await evaluationReady();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(255), (raw, input, bit) => {
      assert.equal(isNonIdentityElement(raw), nobleIsElement(raw));
      const { blinded } = ristretto255_oprf.oprf.blind(input);
      assert.equal(isNonIdentityElement(blinded), true);
      const flipped = Uint8Array.from(blinded);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(isNonIdentityElement(flipped), nobleIsElement(flipped));
    }),
    { numRuns: 500 },
  );
  assert.equal(isNonIdentityElement(new Uint8Array(32)), false, "identity");
  assert.equal(isNonIdentityElement(ristretto255.Point.BASE.toBytes().slice(0, 31)), false, "short");
  // Non-canonical: the field element p + x (top bit, or ≥ p) and a negative (odd) encoding.
  const p = (1n << 255n) - 19n;
  const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
  for (const bad of [le(p + 2n), le(p), le(1n), le((1n << 256n) - 1n)]) assert.equal(isNonIdentityElement(bad), nobleIsElement(bad));
});
