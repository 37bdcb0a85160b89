/**
 * libsodium's group arithmetic (combine.ts) gives the bytes of @noble/curves' (shamir.ts) for
 * the client's combination and interpolation check (spec/threshold-vault.md §6.3): random
 * polynomials and blinded elements (honest evaluations), random unrelated elements (lying
 * realms), random index sets and evaluation points; and the same element checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex } from "@chatvault/format";
import { ed25519 } from "@noble/curves/ed25519.js";
import { groupArithmetic, sameElement } from "./combine.ts";
import { Fn, Point, evaluatePolynomial, interpolatePoints, lagrangeCoefficient } from "./shamir.ts";

const scalar = fc.bigInt({ min: 1n, max: Fn.ORDER - 1n });
const indexSet = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 9 });

test("Σ λ_i·Z_i: libsodium equals @noble/curves, honest evaluations and arbitrary elements, at 0 and elsewhere", async () => {
  const g = await groupArithmetic();
  fc.assert(
    fc.property(
      fc.array(scalar, { minLength: 1, maxLength: 9 }),
      scalar,
      indexSet,
      fc.array(scalar, { minLength: 9, maxLength: 9 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 9 }),
      (coefficients, blind, indexes, junk, honest, at) => {
        // The client interpolates at 0 or at an index outside the set (an extra member), never inside.
        fc.pre(!indexes.includes(at));
        // Registration redraws a zero share (§3.4), so k_i ≠ 0; fast-check's bias to boundary values finds them.
        fc.pre(indexes.every((i) => evaluatePolynomial(coefficients, i) !== 0n));
        const blinded = Point.BASE.multiply(blind);
        const points = indexes.map((i, k) => ({
          index: i,
          point: honest ? blinded.multiply(evaluatePolynomial(coefficients, i)) : Point.BASE.multiply(junk[k]!),
        }));
        if (points.some((p) => p.point.equals(Point.ZERO))) return; // the client rejects these before combining
        const noble = interpolatePoints(points, at).toBytes();
        const sodium = g.interpolate(
          points.map((p) => ({ index: p.index, element: p.point.toBytes() })),
          at,
        );
        assert.equal(toHex(sodium), toHex(noble));
        if (honest && indexes.length >= coefficients.length && at === 0) {
          // t or more honest evaluations give k·blinded, whichever subset (§3.4).
          assert.equal(toHex(sodium), toHex(blinded.multiply(coefficients[0]!).toBytes()));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("Σ λ_i·Z_i with small coefficients (additions) and large ones (multiplications): every subset of 1..5, at 0 and at each index outside it", async () => {
  const g = await groupArithmetic();
  const elements = [3n, 5n, 7n, 11n, 13n].map((k) => Point.BASE.multiply(k * 1_000_003n));
  const all = [1, 2, 3, 4, 5];
  let small = 0;
  for (let mask = 1; mask < 32; mask++) {
    const indexes = all.filter((_, k) => mask & (1 << k));
    for (const at of [0, ...all.filter((i) => !indexes.includes(i))]) {
      const points = indexes.map((i) => ({ index: i, point: elements[i - 1]! }));
      const lambdas = indexes.map((i) => lagrangeCoefficient(i, indexes, at));
      if (lambdas.every((l) => l <= 8n || Fn.ORDER - l <= 8n)) small++;
      assert.equal(
        toHex(
          g.interpolate(
            points.map((p) => ({ index: p.index, element: p.point.toBytes() })),
            at,
          ),
        ),
        toHex(interpolatePoints(points, at).toBytes()),
        `${indexes} at ${at}`,
      );
    }
  }
  assert.ok(small > 10); // the additions path is exercised, with negative coefficients first ({1, 2} at 3: −2, 3)
  // A sum that is the identity (only lying realms reach it): 2·Z − (2Z) at {1, 2}.
  const z = Point.BASE.multiply(42n);
  assert.equal(
    toHex(
      g.interpolate([
        { index: 1, element: z.toBytes() },
        { index: 2, element: z.double().toBytes() },
      ]),
    ),
    toHex(new Uint8Array(32)),
  );
});

test("an extra member's check: on the polynomial iff libsodium's interpolation equals its element", async () => {
  const g = await groupArithmetic();
  fc.assert(
    fc.property(fc.array(scalar, { minLength: 1, maxLength: 4 }), scalar, fc.boolean(), (coefficients, blind, lie) => {
      const t = coefficients.length;
      fc.pre(Array.from({ length: t + 1 }, (_, k) => evaluatePolynomial(coefficients, k + 1)).every((x) => x !== 0n)); // no zero share (§3.4)
      const blinded = Point.BASE.multiply(blind);
      const first = Array.from({ length: t }, (_, k) => ({ index: k + 1, element: blinded.multiply(evaluatePolynomial(coefficients, k + 1)).toBytes() }));
      const extra = t + 1;
      const honest = blinded.multiply(evaluatePolynomial(coefficients, extra));
      const element = (lie ? honest.add(Point.BASE) : honest).toBytes();
      assert.equal(sameElement(g.interpolate(first, extra), element), !lie);
    }),
    { numRuns: 100 },
  );
});

test("element check: canonical non-identity encodings only, as @noble/curves decodes them", async () => {
  const g = await groupArithmetic();
  assert.equal(g.isNonIdentityElement(new Uint8Array(32)), false); // the identity
  assert.equal(g.isNonIdentityElement(Point.BASE.toBytes()), true);
  assert.equal(g.isNonIdentityElement(new Uint8Array(31)), false);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      let noble: boolean;
      try {
        noble = !Point.fromBytes(bytes).equals(Point.ZERO);
      } catch {
        noble = false;
      }
      assert.equal(g.isNonIdentityElement(bytes), noble);
    }),
    { numRuns: 2000 },
  );
  // Non-canonical encodings of real elements (p added to a small field element) are refused by both.
  const nonCanonical = new Uint8Array(32).fill(0xff);
  nonCanonical[31] = 0x7f;
  nonCanonical[0] = 0xed + 2; // 2^255 − 19 + 2 ≡ 2
  assert.equal(g.isNonIdentityElement(nonCanonical), false);
});

test("the loader returns one shared instance", async () => {
  assert.equal(await groupArithmetic(), await groupArithmetic());
});

test("Ed25519 public key of a seed: libsodium equals @noble/curves (the K check of §6.4)", async () => {
  const g = await groupArithmetic();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      assert.equal(toHex(g.ed25519PublicKey(seed)), toHex(ed25519.getPublicKey(seed)));
    }),
    { numRuns: 200 },
  );
  assert.throws(() => g.ed25519PublicKey(new Uint8Array(31)), TypeError);
});
