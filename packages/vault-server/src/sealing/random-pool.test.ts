/** The pooled CSPRNG bytes of login IDs and nonces (random-pool.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RANDOM_POOL_BLOCK, poolRandomBytes } from "./random-pool.ts";

test("pooled random bytes: the length asked, never handed out twice, across block refills", () => {
  const seen = new Set<string>();
  // Several blocks' worth of 12- and 16-byte draws (nonces, login IDs), so refills happen
  // mid-way and at block ends that a draw does not fit.
  const draws = Math.ceil((5 * RANDOM_POOL_BLOCK) / 14);
  let ones = 0;
  for (let i = 0; i < draws; i++) {
    const n = i % 2 === 0 ? 12 : 16;
    const b = poolRandomBytes(n);
    assert.ok(Buffer.isBuffer(b));
    assert.equal(b.length, n);
    const hex = b.toString("hex");
    assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
    seen.add(hex);
    for (const byte of b) for (let k = 0; k < 8; k++) ones += (byte >> k) & 1;
  }
  // Roughly half the bits set (a block of zeros or a stuck counter would fail this).
  const bits = (draws / 2) * (12 + 16) * 8;
  assert.ok(Math.abs(ones / bits - 0.5) < 0.02, `share of ones ${ones / bits}`);
});

test("pooled random bytes: each draw is the caller's own buffer", () => {
  const a = poolRandomBytes(16);
  const before = Buffer.from(a);
  const b = poolRandomBytes(16);
  b.fill(0xff);
  assert.deepEqual(a, before, "writing one draw does not change another");
});

test("pooled random bytes: larger requests and zero; bad lengths refused", () => {
  assert.equal(poolRandomBytes(0).length, 0);
  const big = poolRandomBytes(RANDOM_POOL_BLOCK + 1);
  assert.equal(big.length, RANDOM_POOL_BLOCK + 1);
  assert.notDeepEqual(big.subarray(0, 32), Buffer.alloc(32));
  for (const n of [-1, 1.5, Number.NaN]) assert.throws(() => poolRandomBytes(n), RangeError);
});
