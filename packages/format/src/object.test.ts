import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { webCryptoBackend } from "./backend.ts";
import { concatBytes, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import { nodeCryptoBackend } from "./node.ts";
import {
  FORMAT_VERSION,
  NONCE_LENGTH,
  ObjectKind,
  objectAad,
  openObject,
  SEAL_OVERHEAD,
  sealObject,
  sealObjectParts,
  type ObjectContext,
  type ObjectKindValue,
} from "./object.ts";
import { fixedRandom, seededBytes } from "./testing/fixtures.ts";

const key = seededBytes(1, 32);
const ctx: ObjectContext = { kind: ObjectKind.snapshot, id: "snapshots/00000007" };
const kinds = Object.values(ObjectKind) as ObjectKindValue[];
const backends = [webCryptoBackend(), nodeCryptoBackend];

async function rejects(p: Promise<unknown>, reason: string, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof IntegrityError, `${what}: ${String(e)}`);
    assert.equal(e.reason, reason, `${what}: ${e.message}`);
    assert.equal(e.code, "integrity");
    return true;
  });
}

test("kinds are distinct bytes; AAD = version ‖ kind ‖ len(id) ‖ id", () => {
  assert.equal(new Set(kinds).size, kinds.length);
  for (const k of kinds) assert.ok(Number.isInteger(k) && k > 0 && k < 256);
  assert.deepEqual(objectAad({ kind: ObjectKind.chunk, id: Uint8Array.of(9, 8) }), Uint8Array.of(FORMAT_VERSION, 1, 2, 9, 8));
  assert.deepEqual(objectAad({ kind: ObjectKind.config, id: "é" }), Uint8Array.of(1, 4, 2, 0xc3, 0xa9));
  assert.throws(() => objectAad({ kind: ObjectKind.chunk, id: new Uint8Array(256) }), { name: "RangeError", message: "object id is 256 bytes; at most 255" });
});

test("layout: version ‖ nonce (from the RandomSource) ‖ ciphertext ‖ tag", async () => {
  const nonce = seededBytes(2, NONCE_LENGTH);
  const sealed = await sealObject(webCryptoBackend(), key, ctx, utf8("hello"), fixedRandom(nonce));
  assert.equal(sealed.length, 5 + SEAL_OVERHEAD);
  assert.equal(sealed[0], FORMAT_VERSION);
  assert.deepEqual(sealed.subarray(1, 13), nonce);
  const a = await sealObject(webCryptoBackend(), key, ctx, utf8("hello"));
  const b = await sealObject(webCryptoBackend(), key, ctx, utf8("hello"));
  assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13), "fresh nonce per object by default");
});

for (const backend of backends) {
  test(`round trip on ${backend.name}: sizes 0, 1, 15, 16, 17, 4096, 65537 and random`, async () => {
    for (const n of [0, 1, 15, 16, 17, 4096, 65537]) {
      const pt = seededBytes(n + 1, n);
      assert.deepEqual(await openObject(backend, key, ctx, await sealObject(backend, key, ctx, pt)), pt);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom(...kinds),
        fc.oneof(fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 255 })),
        async (pt, kind, id) => {
          const c = { kind, id };
          assert.deepEqual(await openObject(backend, key, c, await sealObject(backend, key, c, pt)), pt);
        },
      ),
      { numRuns: 50 },
    );
  });
}

for (const backend of backends) {
  test(`sealObjectParts on ${backend.name}: the pieces laid end to end are sealObject's bytes`, async () => {
    for (const n of [0, 1, 16, 4095, 4096, 65535, 65536, 65537, 131_072, 300_000]) {
      const pt = seededBytes(n + 7, n);
      const nonce = seededBytes(n + 8, NONCE_LENGTH);
      const c = { kind: ObjectKind.chunk, id: seededBytes(n + 9, 32) };
      const parts = await sealObjectParts(backend, key, c, pt, fixedRandom(nonce));
      const joined = concatBytes(...parts);
      assert.deepEqual(joined, await sealObject(backend, key, c, pt, fixedRandom(nonce)), `${n} bytes`);
      assert.deepEqual(await openObject(backend, key, c, joined), pt);
    }
    // Default randomness: a fresh nonce per object, as sealObject.
    const a = concatBytes(...(await sealObjectParts(backend, key, ctx, utf8("x"))));
    const b = concatBytes(...(await sealObjectParts(backend, key, ctx, utf8("x"))));
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  });
}

test("bound to its context: every other kind, another id, another key fail auth_failed", async () => {
  const b = webCryptoBackend();
  const sealed = await sealObject(b, key, ctx, utf8("manifest"));
  for (const kind of kinds.filter((k) => k !== ctx.kind)) await rejects(openObject(b, key, { kind, id: ctx.id }, sealed), "auth_failed", `kind ${kind}`);
  for (const id of ["snapshots/00000008", "", "snapshots/00000007 ", utf8("snapshots/0000000")]) {
    await rejects(openObject(b, key, { kind: ctx.kind, id }, sealed), "auth_failed", `id ${String(id)}`);
  }
  await rejects(openObject(b, seededBytes(3, 32), ctx, sealed), "auth_failed", "other key");
  // A string id is its UTF-8 bytes: the same object either way.
  assert.deepEqual(await openObject(b, key, { kind: ctx.kind, id: utf8(ctx.id as string) }, sealed), utf8("manifest"));
});

test("tampering with any byte (version, nonce, ciphertext, tag) is detected", async () => {
  const b = nodeCryptoBackend;
  const sealed = await sealObject(b, key, ctx, seededBytes(4, 40));
  for (let i = 0; i < sealed.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const t = sealed.slice();
      t[i]! ^= bit;
      await rejects(openObject(b, key, ctx, t), i === 0 ? "unsupported_version" : "auth_failed", `byte ${i} bit ${bit}`);
    }
  }
});

test("too short, truncated, extended, bad version", async () => {
  const b = webCryptoBackend();
  const sealed = await sealObject(b, key, ctx, seededBytes(5, 40));
  for (let n = 0; n < SEAL_OVERHEAD; n++) await rejects(openObject(b, key, ctx, sealed.subarray(0, n)), "too_short", `${n} bytes`);
  for (let n = SEAL_OVERHEAD; n < sealed.length; n++) await rejects(openObject(b, key, ctx, sealed.subarray(0, n)), "auth_failed", `cut to ${n}`);
  await rejects(openObject(b, key, ctx, concatBytes(sealed, Uint8Array.of(0))), "auth_failed", "trailing byte");
  for (const v of [0, 2, 255]) await rejects(openObject(b, key, ctx, Uint8Array.of(v, ...sealed.subarray(1))), "unsupported_version", `version ${v}`);
  // An empty plaintext seals to exactly the minimum length.
  assert.equal((await sealObject(b, key, ctx, new Uint8Array(0))).length, SEAL_OVERHEAD);
});

test("errors name the object, never its plaintext", async () => {
  const b = webCryptoBackend();
  const sealed = await sealObject(b, key, ctx, utf8("secret message text"));
  sealed[20]! ^= 1;
  await assert.rejects(openObject(b, key, ctx, sealed), (e: unknown) => {
    assert.ok(e instanceof IntegrityError);
    assert.equal(e.objectId, "snapshots/00000007");
    assert.ok(e.message.includes("(object snapshots/00000007)"));
    assert.ok(!e.message.includes("secret"));
    return true;
  });
  await assert.rejects(openObject(b, key, { kind: ObjectKind.chunk, id: Uint8Array.of(0xab, 0xcd) }, sealed), { objectId: "abcd" });
});

test("sealing into one buffer (node:crypto) gives the bytes of the two-step path (WebCrypto); pooled nonces are never repeated", async () => {
  const web = webCryptoBackend();
  assert.ok(nodeCryptoBackend.aesGcmSealInto, "the Node backend seals in place");
  for (const n of [0, 1, 15, 16, 17, 4096, 65536 + 3]) {
    const pt = seededBytes(n + 1, n);
    const nonce = seededBytes(n + 7, NONCE_LENGTH);
    const a = await sealObject(nodeCryptoBackend, key, ctx, pt, () => nonce.slice());
    const b = await sealObject(web, key, ctx, pt, () => nonce.slice());
    assert.deepEqual(a, b, `length ${n}`);
    assert.deepEqual(await openObject(web, key, ctx, a), pt);
  }
  // Default randomness: 1,000 objects (several refills of the 4 KiB pool), all nonces distinct.
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const s = await sealObject(nodeCryptoBackend, key, ctx, Uint8Array.of(i & 255));
    seen.add(Buffer.from(s.subarray(1, 1 + NONCE_LENGTH)).toString("hex"));
    assert.deepEqual(await openObject(nodeCryptoBackend, key, ctx, s), Uint8Array.of(i & 255));
  }
  assert.equal(seen.size, 1000);
});
