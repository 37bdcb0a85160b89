/** libsodium's evaluation equals @noble/curves' RFC 9497 BlindEvaluate element for random keys and elements (§5.4). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ristretto255, ristretto255_oprf } from "@noble/curves/ed25519.js";
import { evaluateElement, evaluationReady } from "./evaluation.ts";

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
