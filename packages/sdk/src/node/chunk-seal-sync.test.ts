/**
 * The synchronous chunk sealer writes the same bytes as the backend's asynchronous path
 * (`chunkId`, `sealChunk` → `sealObjectParts`), spec §3, §5.2, §8.3.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { KeySchedule, ObjectKind, RootKey, chunkId, openObject, sealObjectParts, webCryptoBackend } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { sealChunk } from "../backup/chunk-store.ts";
import { nodeCompressor } from "./zlib-compressor.ts";
import { syncChunkSealer } from "./chunk-seal-sync.ts";

const keysOn = (backend: typeof nodeCryptoBackend) => KeySchedule.derive(new RootKey(new Uint8Array(32).fill(3)), backend);
const concat = (xs: Uint8Array[]) => Buffer.concat(xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));

test("IDs and sealed bytes equal the asynchronous path's for the same nonce, compressed or not, at every piece boundary", async () => {
  const keys = await keysOn(nodeCryptoBackend);
  // A counter as the "random" source: the test knows each nonce and gives the async path the same.
  let counter = 0;
  const fill = (out: Uint8Array) => {
    for (let i = 0; i < out.length; i++) out[i] = (counter++ * 7) & 0xff;
  };
  const nonces: Uint8Array[] = [];
  const recorder = (out: Uint8Array) => {
    fill(out);
    for (let o = 0; o + 12 <= out.length; o += 12) nonces.push(out.slice(o, o + 12));
  };
  const sealer = syncChunkSealer(keys, nodeCompressor, recorder)!;
  assert.ok(sealer);
  const sizes = [0, 1, 4096, 65535, 65536, 65537, 2 * 65536 + 500, 1024 * 1024];
  let n = 0;
  for (const size of sizes) {
    for (const compressible of [false, true]) {
      const plain = compressible ? new Uint8Array(size).fill(size & 0xff) : randomBytes(size);
      const id = sealer.id(plain);
      assert.deepEqual(id, await chunkId(keys, plain));
      const got = sealer.seal(id, plain, compressible);
      const nonce = nonces[n++]!;
      const want = await sealObjectParts(
        keys.backend,
        keys.chunkEncryption.unsafeBytes(),
        { kind: ObjectKind.chunk, id },
        compressible ? (nodeCompressor.compress(plain)?.bytes ?? plain) : plain,
        () => nonce,
      );
      assert.deepEqual(concat(got.data), concat(want), `size ${size}, compressible ${compressible}`);
      assert.equal(got.length, concat(got.data).length);
      const ref = await sealChunk(keys, nodeCompressor, id, plain, compressible);
      assert.equal(got.flags, ref.flags);
      assert.equal(got.length, ref.length);
      // The pieces of a large chunk are the backend's 64 KiB slices (malloc reuses them).
      if (size > 65536) assert.ok(got.data.slice(1, -1).every((p, i, all) => i === all.length - 1 || p.length === 65536));
    }
  }
});

test("a sealed chunk opens to its plaintext under its ID, fails under another, and every nonce is fresh", async () => {
  const keys = await keysOn(nodeCryptoBackend);
  const sealer = syncChunkSealer(keys, nodeCompressor)!;
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const plain = randomBytes(100);
    const id = sealer.id(plain);
    const { data } = sealer.seal(id, plain, false);
    const sealed = concat(data);
    seen.add(sealed.subarray(1, 13).toString("hex"));
    if (i < 5) {
      assert.deepEqual(Buffer.from(await openObject(keys.backend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, sealed)), plain);
      await assert.rejects(openObject(keys.backend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id: sealer.id(randomBytes(8)) }, sealed));
    }
  }
  assert.equal(seen.size, 1000, "no nonce handed out twice");
});

test("no synchronous sealer for a key schedule on another backend: the caller keeps the backend's path", async () => {
  assert.equal(syncChunkSealer(await keysOn(webCryptoBackend()), nodeCompressor), undefined);
});
