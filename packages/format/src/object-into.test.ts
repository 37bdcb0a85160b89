import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { webCryptoBackend } from "./backend.ts";
import { concatBytes } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import { aesGcmOpenIntoSync, hmacSha256Sync, nodeCryptoBackend } from "./node.ts";
import { NONCE_LENGTH, ObjectKind, SEAL_OVERHEAD, openObject, openObjectInto, openObjectIntoSync, sealObject, type ObjectContext } from "./object.ts";
import { seededBytes } from "./testing/fixtures.ts";

const key = seededBytes(11, 32);
const ctx: ObjectContext = { kind: ObjectKind.chunk, id: seededBytes(12, 32) };
const backends = [webCryptoBackend(), nodeCryptoBackend];
/** Sizes around node:crypto's 64 KiB slices. */
const SIZES = [0, 1, 15, 16, 17, 4096, 65535, 65536, 65537, 3 * 65536 + 5];

async function rejects(p: Promise<unknown>, reason: string, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof IntegrityError, `${what}: ${String(e)}`);
    assert.equal(e.reason, reason, `${what}: ${e.message}`);
    return true;
  });
}

/** After a failure `out` holds no plaintext: every byte is the filler it had, or zero. */
function noPlaintext(out: Uint8Array, filler: number, what: string): void {
  assert.ok(
    out.every((b) => b === filler || b === 0),
    what,
  );
}

for (const backend of backends) {
  test(`openObjectInto on ${backend.name}: the bytes openObject gives, at an offset, nothing else touched`, async () => {
    for (const n of SIZES) {
      const sealed = await sealObject(backend, key, ctx, seededBytes(n + 3, n));
      const out = new Uint8Array(n + 20).fill(0xa5);
      assert.equal(await openObjectInto(backend, key, ctx, sealed, out, 7), n);
      assert.deepEqual(out.subarray(7, 7 + n), await openObject(backend, key, ctx, sealed), `${n} bytes`);
      assert.ok(out.subarray(0, 7).every((b) => b === 0xa5) && out.subarray(7 + n).every((b) => b === 0xa5), `${n}: outside untouched`);
    }
  });

  test(`openObjectInto on ${backend.name}: in place, the plaintext at or before the ciphertext`, async () => {
    for (const n of SIZES) {
      const pt = seededBytes(n + 5, n);
      const sealed = await sealObject(backend, key, ctx, pt);
      for (const [at, to] of [
        [0, 0],
        [100, 0],
        [100, 100],
        [100, 100 + 1 + NONCE_LENGTH], // exactly over the ciphertext
      ] as const) {
        const buf = new Uint8Array(at + sealed.length);
        buf.set(sealed, at);
        assert.equal(await openObjectInto(backend, key, ctx, buf.subarray(at), buf, to), n);
        assert.deepEqual(buf.subarray(to, to + n), pt, `${n} bytes from ${at} to ${to}`);
      }
    }
  });

  test(`openObjectInto on ${backend.name}: wrong tag, tampered, truncated, bad version — the typed errors of openObject, no plaintext left`, async () => {
    const pt = seededBytes(13, 3 * 65536 + 5);
    const sealed = await sealObject(backend, key, ctx, pt);
    const out = () => new Uint8Array(pt.length).fill(0x5a);
    for (const i of [sealed.length - 1, sealed.length - 16, 20, 1]) {
      const t = sealed.slice();
      t[i]! ^= 1;
      const o = out();
      await rejects(openObjectInto(backend, key, ctx, t, o), "auth_failed", `byte ${i}`);
      noPlaintext(o, 0x5a, `byte ${i}`);
    }
    const o = out();
    await rejects(openObjectInto(backend, key, { kind: ObjectKind.index, id: ctx.id }, sealed, o), "auth_failed", "other kind");
    noPlaintext(o, 0x5a, "other kind");
    await rejects(openObjectInto(backend, seededBytes(14, 32), ctx, sealed, out()), "auth_failed", "other key");
    for (const n of [0, 1, SEAL_OVERHEAD - 1]) await rejects(openObjectInto(backend, key, ctx, sealed.subarray(0, n), out()), "too_short", `${n} bytes`);
    for (const n of [SEAL_OVERHEAD, SEAL_OVERHEAD + 1, sealed.length - 1]) {
      const p = out();
      await rejects(openObjectInto(backend, key, ctx, sealed.subarray(0, n), p), "auth_failed", `cut to ${n}`);
      noPlaintext(p, 0x5a, `cut to ${n}`);
    }
    await rejects(openObjectInto(backend, key, ctx, concatBytes(sealed, Uint8Array.of(0)), new Uint8Array(pt.length + 1)), "auth_failed", "trailing byte");
    for (const v of [0, 2, 255]) {
      const t = sealed.slice();
      t[0] = v;
      await rejects(openObjectInto(backend, key, ctx, t, out()), "unsupported_version", `version ${v}`);
    }
  });

  test(`openObjectInto on ${backend.name}: an output too small or a bad offset is a RangeError, nothing written`, async () => {
    const pt = seededBytes(15, 1000);
    const sealed = await sealObject(backend, key, ctx, pt);
    for (const [size, offset] of [
      [999, 0],
      [1000, 1],
      [0, 0],
      [2000, 1001],
    ] as const) {
      const out = new Uint8Array(size).fill(7);
      await assert.rejects(openObjectInto(backend, key, ctx, sealed, out, offset), RangeError, `${size} at ${offset}`);
      assert.ok(
        out.every((b) => b === 7),
        `${size} at ${offset}: untouched`,
      );
    }
    for (const offset of [-1, 0.5, Number.NaN])
      await assert.rejects(openObjectInto(backend, key, ctx, sealed, new Uint8Array(2000), offset), RangeError, `offset ${offset}`);
  });
}

test("openObjectInto: property — any plaintext, any offset, either backend: openObject's bytes", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200_000 }), fc.nat(64), fc.boolean(), async (pt, offset, node) => {
      const backend = node ? nodeCryptoBackend : backends[0]!;
      const sealed = await sealObject(backend, key, ctx, pt);
      const out = new Uint8Array(offset + pt.length);
      assert.equal(await openObjectInto(backend, key, ctx, sealed, out, offset), pt.length);
      assert.deepEqual(out.subarray(offset), pt);
    }),
    { numRuns: 60 },
  );
});

test("openObjectInto on node:crypto frees each copied piece at once where ArrayBuffer.prototype.transfer exists, same bytes", async () => {
  // Node 20 has `transfer` behind a flag, in contexts made after it is set; Node 21+ natively.
  setFlagsFromString("--harmony-rab-gsab-transfer");
  const proto = ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer, n?: number) => ArrayBuffer };
  const own = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "transfer");
  const native = proto.transfer ?? (runInNewContext("ArrayBuffer.prototype.transfer") as NonNullable<typeof proto.transfer>);
  const freed: number[] = [];
  Object.defineProperty(ArrayBuffer.prototype, "transfer", {
    configurable: true,
    writable: true,
    value(this: ArrayBuffer, n?: number) {
      freed.push(this.byteLength);
      return native.call(this, n);
    },
  });
  try {
    const pt = seededBytes(16, 3 * 65536 + 5);
    const sealed = await sealObject(nodeCryptoBackend, key, ctx, pt);
    const out = new Uint8Array(pt.length);
    assert.equal(await openObjectInto(nodeCryptoBackend, key, ctx, sealed, out), pt.length);
    assert.deepEqual(out, pt);
    assert.deepEqual(freed, [65536, 65536, 65536, 5]);
  } finally {
    if (own) Object.defineProperty(ArrayBuffer.prototype, "transfer", own);
    else delete proto.transfer;
  }
});

test("openObjectIntoSync on node:crypto: openObjectInto's bytes, errors and zeroed output, in place too", async () => {
  const sync = (out: Uint8Array, sealed: Uint8Array, offset = 0, c: ObjectContext = ctx) =>
    Promise.resolve().then(() => openObjectIntoSync(aesGcmOpenIntoSync, key, c, sealed, out, offset));
  for (const n of SIZES) {
    const plain = seededBytes(n + 1, n);
    const sealed = await sealObject(nodeCryptoBackend, key, ctx, plain);
    const out = new Uint8Array(n + 7).fill(9);
    assert.equal(await sync(out, sealed, 7), n, `${n}: length`);
    assert.deepEqual(out.subarray(7), plain, `${n}: bytes`);
    // In place, shifted left by the header, as a restore's slot does.
    const buf = new Uint8Array(sealed.length);
    buf.set(sealed);
    assert.equal(await sync(buf, buf.subarray(0), 0), n);
    assert.deepEqual(buf.subarray(0, n), plain, `${n}: in place`);
    if (n === 0) continue;
    const bad = sealed.slice();
    bad[bad.length - 1]! ^= 1;
    const after = new Uint8Array(n).fill(9);
    await rejects(sync(after, bad), "auth_failed", `${n}: tag`);
    assert.ok(
      after.every((b) => b === 0),
      `${n}: nothing unauthenticated left`,
    );
    await rejects(sync(new Uint8Array(n), sealed, 0, { kind: ObjectKind.index, id: ctx.id }), "auth_failed", `${n}: other kind`);
  }
  const sealed = await sealObject(nodeCryptoBackend, key, ctx, seededBytes(5, 100));
  await rejects(sync(new Uint8Array(100), sealed.subarray(0, SEAL_OVERHEAD - 1)), "too_short", "short");
  const v2 = sealed.slice();
  v2[0] = 2;
  await rejects(sync(new Uint8Array(100), v2), "unsupported_version", "version");
  assert.throws(() => openObjectIntoSync(aesGcmOpenIntoSync, key, ctx, sealed, new Uint8Array(99)), RangeError);
  assert.throws(() => openObjectIntoSync(aesGcmOpenIntoSync, key, ctx, sealed, new Uint8Array(100), -1), RangeError);
  // The same messages as the promise form.
  const words = async (p: Promise<unknown>) =>
    p.then(
      () => "",
      (e: Error) => e.message,
    );
  assert.equal(await words(sync(new Uint8Array(100), v2)), await words(openObjectInto(nodeCryptoBackend, key, ctx, v2, new Uint8Array(100))));
});

test("hmacSha256Sync: the backend's HMAC-SHA256", async () => {
  for (const n of [0, 1, 4096, 65537]) {
    const data = seededBytes(n + 3, n);
    assert.deepEqual(hmacSha256Sync(key, data), await nodeCryptoBackend.hmacSha256(key, data));
    assert.deepEqual(hmacSha256Sync(key, data), await webCryptoBackend().hmacSha256(key, data));
  }
});
