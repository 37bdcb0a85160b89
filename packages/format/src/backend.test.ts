/**
 * WebCrypto and node:crypto must give identical bytes (one format, spec/backup-format.md §3,
 * §5, §6): primitives, sealed objects, streams.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { getDefaultBackend, setDefaultBackend, webCryptoBackend } from "./backend.ts";
import { KeySchedule } from "./key-schedule.ts";
import { nodeCryptoBackend, useNodeCrypto } from "./node.ts";
import { ObjectKind, openObject, sealObject } from "./object.ts";
import { RootKey } from "./secret.ts";
import { openStream, sealStream } from "./stream.ts";
import { seededRandom } from "./testing/fixtures.ts";
import { subkeysOf } from "./vectors/run-vectors.ts";

const web = webCryptoBackend();
const node = nodeCryptoBackend;
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);
const RUNS = { numRuns: 100 };

test("HKDF-SHA256: same output for any IKM, salt, info and length", async () => {
  await fc.assert(
    fc.asyncProperty(bytes(1, 64), bytes(0, 64), bytes(0, 64), fc.integer({ min: 1, max: 2048 }), async (ikm, salt, info, n) => {
      assert.deepEqual(await web.hkdf(ikm, salt, info, n), await node.hkdf(ikm, salt, info, n));
    }),
    RUNS,
  );
});

test("HMAC-SHA256 and SHA-256: same output", async () => {
  await fc.assert(
    fc.asyncProperty(bytes(1, 100), bytes(0, 5000), async (k, data) => {
      assert.deepEqual(await web.hmacSha256(k, data), await node.hmacSha256(k, data));
      assert.deepEqual(await web.sha256(data), await node.sha256(data));
    }),
    RUNS,
  );
});

test("AES-256-GCM: same ciphertext, each opens the other's, both refuse tampering", async () => {
  await fc.assert(
    fc.asyncProperty(key32, bytes(12, 12), bytes(0, 5000), bytes(0, 100), fc.nat(), async (k, iv, pt, aad, at) => {
      const a = await web.aesGcmSeal(k, iv, pt, aad);
      assert.deepEqual(a, await node.aesGcmSeal(k, iv, pt, aad));
      assert.deepEqual(await web.aesGcmOpen(k, iv, a, aad), pt);
      assert.deepEqual(await node.aesGcmOpen(k, iv, a, aad), pt);
      const t = a.slice();
      t[at % t.length]! ^= 1;
      assert.equal(await web.aesGcmOpen(k, iv, t, aad), null);
      assert.equal(await node.aesGcmOpen(k, iv, t, aad), null);
    }),
    RUNS,
  );
  for (const short of [new Uint8Array(0), new Uint8Array(15)]) {
    assert.equal(await web.aesGcmOpen(new Uint8Array(32), new Uint8Array(12), short, new Uint8Array(0)), null);
    assert.equal(await node.aesGcmOpen(new Uint8Array(32), new Uint8Array(12), short, new Uint8Array(0)), null);
  }
});

test("key schedules, sealed objects and streams: same bytes with an injected RandomSource", async () => {
  await fc.assert(
    fc.asyncProperty(key32, bytes(0, 4000), fc.integer(), async (root, pt, seed) => {
      const [kw, kn] = [await KeySchedule.derive(new RootKey(root.slice()), web), await KeySchedule.derive(new RootKey(root.slice()), node)];
      assert.deepEqual(subkeysOf(kw), subkeysOf(kn));
      const k = kw.metadataEncryption.unsafeBytes();
      const ctx = { kind: ObjectKind.snapshot, id: "snapshots/1" };
      const o = await sealObject(web, k, ctx, pt, seededRandom(seed));
      assert.deepEqual(o, await sealObject(node, k, ctx, pt, seededRandom(seed)));
      assert.deepEqual(await openObject(node, k, ctx, o), pt);
      const s = await sealStream(web, k, ctx, pt, { segmentLog2: 10, random: seededRandom(seed) });
      assert.deepEqual(s, await sealStream(node, k, ctx, pt, { segmentLog2: 10, random: seededRandom(seed) }));
      assert.deepEqual(await openStream(node, k, ctx, s), pt);
    }),
    { numRuns: 30 },
  );
});

test("the default backend is WebCrypto until useNodeCrypto() switches it", () => {
  const before = getDefaultBackend();
  assert.equal(before.name, "webcrypto");
  useNodeCrypto();
  assert.equal(getDefaultBackend(), nodeCryptoBackend);
  setDefaultBackend(before);
  assert.equal(getDefaultBackend(), before);
});
