/** Properties of the secret sharing and of the threshold OPRF combination (spec/threshold-vault.md §3.4, §6.3). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { voprfEvaluate } from "./derive.ts";
import { Fn, Point, evaluatePolynomial, interpolatePoints, interpolateScalar, lagrangeCoefficient, splitScalar, subsetsOf, scalarToBytes } from "./shamir.ts";

const scalar = fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return Fn.create(n) || 1n;
});
const tn = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

test("split then interpolate gives the secret back for every t-subset (1 ≤ t ≤ n ≤ 9)", () => {
  fc.assert(
    fc.property(tn, fc.array(scalar, { minLength: 9, maxLength: 9 }), ([t, n], coeffs) => {
      const poly = coeffs.slice(0, t);
      const shares = splitScalar(poly, n);
      for (const sub of subsetsOf(shares, t)) assert.equal(interpolateScalar(sub), poly[0]);
    }),
    { numRuns: 60 },
  );
});

test("fewer than t shares are consistent with every secret (t−1 shares carry no information)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 9 }), fc.array(scalar, { minLength: 9, maxLength: 9 }), scalar, (n, coeffs, other) => {
      const t = Math.min(n, 2 + (Number(coeffs[8]! % 8n) % (n - 1)));
      const poly = coeffs.slice(0, t);
      const shares = splitScalar(poly, n);
      const known = shares.slice(0, t - 1);
      // For ANY candidate secret there is a degree t−1 polynomial through (0, candidate) and the known shares:
      // interpolate it and check it reproduces the known shares exactly.
      const pts = [{ index: 0, share: other }, ...known];
      const evalAt = (x: number) =>
        pts.reduce((acc, p) => {
          let l = 1n;
          for (const q of pts) if (q.index !== p.index) l = Fn.mul(l, Fn.div(Fn.sub(BigInt(x), BigInt(q.index)), Fn.sub(BigInt(p.index), BigInt(q.index))));
          return Fn.add(acc, Fn.mul(l, p.share));
        }, 0n);
      for (const s of known) assert.equal(evalAt(s.index), s.share);
      assert.equal(evalAt(0), other);
    }),
    { numRuns: 60 },
  );
});

test("interpolation in the group equals the group element of the interpolated scalar", () => {
  fc.assert(
    fc.property(tn, fc.array(scalar, { minLength: 9, maxLength: 9 }), ([t, n], coeffs) => {
      const poly = coeffs.slice(0, t);
      const shares = splitScalar(poly, n);
      const pts = shares.map((s) => ({ index: s.index, point: Point.BASE.multiply(s.share) }));
      for (const sub of subsetsOf(pts, t).slice(0, 5)) assert.ok(interpolatePoints(sub).equals(Point.BASE.multiply(poly[0]!)));
    }),
    { numRuns: 25 },
  );
});

test("oprf.finalize(I, blind, Σλ·eval_i) == voprf.evaluate(k, I) for random k, shares and subsets; t−1 do not", () => {
  const { oprf, voprf } = ristretto255_oprf;
  fc.assert(
    fc.property(tn, fc.array(scalar, { minLength: 9, maxLength: 9 }), fc.uint8Array({ minLength: 1, maxLength: 80 }), ([t, n], coeffs, input) => {
      const poly = coeffs.slice(0, t);
      const shares = splitScalar(poly, n);
      const direct = voprfEvaluate(scalarToBytes(poly[0]!), input);
      const { blind, blinded } = voprf.blind(input);
      const evals = shares.map((s) => {
        const pk = Point.BASE.multiply(s.share).toBytes();
        const r = voprf.blindEvaluate(scalarToBytes(s.share), pk, blinded);
        // Each realm's proof verifies against its own public share (throws otherwise).
        voprf.finalize(input, blind, r.evaluated, blinded, pk, r.proof);
        return { index: s.index, point: Point.fromBytes(r.evaluated) };
      });
      const subs = subsetsOf(evals, t);
      for (const sub of subs.slice(0, 4)) {
        assert.deepEqual(oprf.finalize(input, blind, interpolatePoints(sub).toBytes()), direct);
      }
      if (t >= 2) {
        const short = evals.slice(0, t - 1);
        assert.notDeepEqual(oprf.finalize(input, blind, interpolatePoints(short).toBytes()), direct);
      }
    }),
    { numRuns: 20 },
  );
});

test("Lagrange coefficients at 0 sum to 1 and reject bad index sets", () => {
  for (const S of subsetsOf([1, 2, 3, 4, 5], 3)) {
    assert.equal(
      S.reduce((a, i) => Fn.add(a, lagrangeCoefficient(i, S)), 0n),
      1n,
    );
  }
  assert.throws(() => lagrangeCoefficient(1, [1, 1]), RangeError);
  assert.throws(() => lagrangeCoefficient(4, [1, 2]), RangeError);
  assert.throws(() => interpolateScalar([]), RangeError);
  assert.equal(evaluatePolynomial([5n], 7), 5n);
});
