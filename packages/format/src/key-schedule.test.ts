import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, hkdfSync } from "node:crypto";
import fc from "fast-check";
import { toHex, utf8 } from "./bytes.ts";
import { chunkId, gearTable, KeySchedule } from "./key-schedule.ts";
import { LABELS, ROOT_SALT } from "./labels.ts";
import { RootKey } from "./secret.ts";
import { subkeysOf } from "./vectors/run-vectors.ts";

const rootBytes = Uint8Array.from({ length: 32 }, (_, i) => i);
const derive = (b = rootBytes) => KeySchedule.derive(new RootKey(b.slice()));

test("labels are distinct, versioned, and distinct from the root salt", () => {
  const values = Object.values(LABELS);
  assert.equal(new Set(values).size, values.length);
  for (const v of values) assert.match(v, /^chatvault\/v1\/[a-z-]+$/);
  assert.ok(!(values as string[]).includes(ROOT_SALT));
});

test("every subkey is HKDF-SHA256(K, salt = ROOT_SALT, info = its label) — spec §3", async () => {
  const sub = subkeysOf(await derive());
  // Labels without a root-key subkey: vaultWrap (IKM = OPAQUE export key), streamPayload (per stream).
  assert.deepEqual(
    Object.keys(LABELS)
      .filter((l) => !(l in sub))
      .sort(),
    ["streamPayload", "vaultWrap"],
  );
  for (const [name, key] of Object.entries(sub)) {
    const label = LABELS[name as keyof typeof LABELS];
    const want = new Uint8Array(hkdfSync("sha256", rootBytes, utf8(ROOT_SALT), utf8(label), key.length));
    assert.deepEqual(key, want, name);
  }
});

test("subkeys have the documented lengths and are pairwise distinct", async () => {
  const sub = subkeysOf(await derive());
  assert.equal(sub.chunkerGear!.length, 1024);
  assert.equal(sub.keyCheck!.length, 16);
  for (const [n, k] of Object.entries(sub)) if (n !== "chunkerGear" && n !== "keyCheck") assert.equal(k.length, 32, n);
  // Compare 16-byte prefixes, so the shorter key-check value is compared too.
  const prefixes = Object.values(sub).map((k) => toHex(k.subarray(0, 16)));
  assert.equal(new Set(prefixes).size, prefixes.length);
});

test("derivation is deterministic, and another root key changes every subkey", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (b) => {
      fc.pre(toHex(b) !== toHex(rootBytes));
      const [x, y, z] = [subkeysOf(await derive(b)), subkeysOf(await derive(b)), subkeysOf(await derive())];
      for (const n of Object.keys(x)) {
        assert.deepEqual(x[n], y[n]);
        assert.notDeepEqual(x[n], z[n]);
      }
    }),
    { numRuns: 20 },
  );
});

test("gearTable: 256 big-endian u32 words of the chunker-gear subkey", async () => {
  const keys = await derive();
  const seed = keys.chunkerGear.unsafeBytes();
  const g = gearTable(keys);
  assert.equal(g.length, 256);
  const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  for (let i = 0; i < 256; i++) assert.equal(g[i], view.getUint32(4 * i, false));
});

test("chunkId is HMAC-SHA256 under the chunk-id key, never a plain hash", async () => {
  const keys = await derive();
  const other = await derive(new Uint8Array(32));
  for (const data of [new Uint8Array(0), utf8("known file contents")]) {
    const id = await chunkId(keys, data);
    assert.equal(toHex(id), createHmac("sha256", keys.chunkId.unsafeBytes()).update(data).digest("hex"));
    assert.notEqual(toHex(id), createHash("sha256").update(data).digest("hex"));
    assert.notDeepEqual(id, await chunkId(other, data), "another key, another ID");
  }
});
