/**
 * The password-stretching function (spec/threshold-vault.md §3.1): an injected Argon2id
 * gives the same bytes as the default (hash-wasm), so a Node app may pass a native one;
 * bad parameters and a misbehaving implementation are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { argon2id as nobleArgon2id } from "@noble/hashes/argon2.js";
import { SMALL_ARGON2_MAX_KIB, defaultArgon2id, hashWasmArgon2id, stretchPassword, type Argon2idFunction } from "./ksf.ts";

/** A second, independent Argon2id (pure JS, @noble/hashes) standing in for a native one. */
const nobleKsf: Argon2idFunction = async (i) => nobleArgon2id(i.password, i.salt, { m: i.memoryKiB, t: i.iterations, p: i.parallelism, dkLen: i.length });

test("an injected Argon2id gives the same bytes as the default (hash-wasm)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      async (pw, salt, p, t, extra) => {
        const ksf = { algorithm: "argon2id" as const, memoryKiB: 8 * p + 8 * extra, iterations: t, parallelism: p };
        const a = await stretchPassword(pw, salt, ksf, hashWasmArgon2id);
        const b = await stretchPassword(pw, salt, ksf, nobleKsf);
        assert.deepEqual(a, b);
        assert.equal(a.length, 32);
      },
    ),
    { numRuns: 25 },
  );
});

test("the default Argon2id (@noble/hashes at small memory, hash-wasm above) gives hash-wasm's bytes on both sides of the switch", async () => {
  const salt = new Uint8Array(32).fill(7);
  const pw = new TextEncoder().encode("correct horse");
  for (const memoryKiB of [16, 24, SMALL_ARGON2_MAX_KIB, SMALL_ARGON2_MAX_KIB + 8, 64]) {
    for (const parallelism of [1, 2]) {
      const ksf = { algorithm: "argon2id" as const, memoryKiB, iterations: 2, parallelism };
      assert.deepEqual(
        await stretchPassword(pw, salt, ksf, defaultArgon2id),
        await stretchPassword(pw, salt, ksf, hashWasmArgon2id),
        `m=${memoryKiB} p=${parallelism}`,
      );
    }
  }
});

test("parameters outside the bounds and a wrong-length implementation are refused", async () => {
  const salt = new Uint8Array(32);
  const pw = new Uint8Array([1]);
  const ok = { algorithm: "argon2id" as const, memoryKiB: 8, iterations: 1, parallelism: 1 };
  await assert.rejects(stretchPassword(pw, salt, { ...ok, memoryKiB: 7 }), RangeError);
  await assert.rejects(stretchPassword(pw, salt, { ...ok, parallelism: 2, memoryKiB: 8 }), RangeError);
  await assert.rejects(stretchPassword(pw, new Uint8Array(16), ok), TypeError);
  await assert.rejects(stretchPassword(new Uint8Array(0), salt, ok), TypeError);
  await assert.rejects(
    stretchPassword(pw, salt, ok, async () => new Uint8Array(31)),
    TypeError,
  );
});

test("timing: default Argon2id (64 MiB, t=3, p=4) via hash-wasm in Node", { timeout: 60_000 }, async (t) => {
  const ksf = { algorithm: "argon2id" as const, memoryKiB: 65536, iterations: 3, parallelism: 4 };
  const start = performance.now();
  const out = await stretchPassword(new TextEncoder().encode("correct horse"), new Uint8Array(32).fill(1), ksf);
  const ms = performance.now() - start;
  assert.equal(out.length, 32);
  t.diagnostic(`hash-wasm Argon2id m=64MiB t=3 p=4: ${ms.toFixed(0)} ms`);
});
