/**
 * The native Argon2id of Node clients (node/argon2.ts) gives the browser-safe default's bytes:
 * the spec's stretch vectors (spec/vectors/threshold-derive.json) and random parameters
 * against hash-wasm; it loads on this platform (linux x64 glibc has a prebuilt binary).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { hashWasmArgon2id, stretchPassword } from "../threshold/ksf.ts";
import { hasNativeArgon2id, nativeArgon2id } from "./argon2.ts";

const vectorsPath = new URL("../../../../spec/vectors/threshold-derive.json", import.meta.url);

interface StretchVector {
  op: string;
  password: string;
  salt: string;
  ksf: { memoryKiB: number; iterations: number; parallelism: number };
  output: { stretched: string };
}

test("the native addon loads where a prebuilt binary exists (linux x64 glibc here)", { skip: process.platform !== "linux" || process.arch !== "x64" }, () => {
  assert.equal(hasNativeArgon2id(), true);
});

test("native Argon2id gives the spec's stretch vectors", async () => {
  const file = JSON.parse(readFileSync(vectorsPath, "utf8")) as { vectors: StretchVector[] };
  const vectors = file.vectors.filter((v) => v.op === "stretch");
  assert.ok(vectors.length >= 2, "the vector file holds stretch vectors");
  for (const v of vectors) {
    const out = await stretchPassword(
      new TextEncoder().encode(v.password.normalize("NFC")),
      Buffer.from(v.salt, "hex"),
      { algorithm: "argon2id", ...v.ksf },
      nativeArgon2id,
    );
    assert.equal(Buffer.from(out).toString("hex"), v.output.stretched, v.password);
  }
});

test("native Argon2id gives hash-wasm's bytes for random passwords, salts and costs", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 6 }),
      async (pw, salt, p, t, extra) => {
        const ksf = { algorithm: "argon2id" as const, memoryKiB: 8 * p + 8 * extra, iterations: t, parallelism: p };
        assert.deepEqual(await stretchPassword(pw, salt, ksf, nativeArgon2id), await stretchPassword(pw, salt, ksf, hashWasmArgon2id));
      },
    ),
    { numRuns: 40 },
  );
});

test("native Argon2id at the default cost (64 MiB, t=3, p=4) equals hash-wasm's", { timeout: 60_000 }, async (t) => {
  const ksf = { algorithm: "argon2id" as const, memoryKiB: 65536, iterations: 3, parallelism: 4 };
  const pw = new TextEncoder().encode("correct horse");
  const salt = new Uint8Array(32).fill(1);
  let start = performance.now();
  const native = await stretchPassword(pw, salt, ksf, nativeArgon2id);
  const nativeMs = performance.now() - start;
  start = performance.now();
  const wasm = await stretchPassword(pw, salt, ksf, hashWasmArgon2id);
  const wasmMs = performance.now() - start;
  assert.deepEqual(native, wasm);
  t.diagnostic(`Argon2id m=64MiB t=3 p=4: native ${nativeMs.toFixed(0)} ms, hash-wasm ${wasmMs.toFixed(0)} ms`);
});
