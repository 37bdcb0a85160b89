/** STREAM (spec §6): layout, and every way a stream can be broken, each named. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import { nodeCryptoBackend as backend } from "./node.ts";
import { ObjectKind, type ObjectContext } from "./object.ts";
import { openStream, sealStream, STREAM_HEADER_LENGTH, StreamOpener, StreamSealer } from "./stream.ts";
import { fixedRandom, seededBytes } from "./testing/fixtures.ts";
import { craftStream } from "../scripts/stream-vectors.ts";

const key = seededBytes(1, 32);
const ctx: ObjectContext = { kind: ObjectKind.stream, id: "streams/42" };
const SEG = 1024;
const FULL = SEG + 16;
const H = STREAM_HEADER_LENGTH;
const salt = seededBytes(2, 16);
const plaintext = seededBytes(3, 3 * SEG + 500); // segments: full, full, full, 500
const sealed = await sealStream(backend, key, ctx, plaintext, { segmentLog2: 10, random: fixedRandom(salt) });
const seg = (i: number) => sealed.subarray(H + i * FULL, Math.min(sealed.length, H + (i + 1) * FULL));

async function reason(bytes: Uint8Array, c: ObjectContext = ctx, k = key): Promise<string> {
  try {
    await openStream(backend, k, c, bytes);
    return "success";
  } catch (e) {
    assert.ok(e instanceof IntegrityError, String(e));
    return e.reason;
  }
}

test('layout: "CVS" ‖ 0x01 ‖ kind ‖ log2 ‖ 0x0000 ‖ salt, then segments of 2^log2 + 16 bytes', () => {
  assert.deepEqual(sealed.subarray(0, 8), Uint8Array.of(0x43, 0x56, 0x53, 1, ObjectKind.stream, 10, 0, 0));
  assert.deepEqual(sealed.subarray(8, H), salt);
  assert.equal(sealed.length, H + plaintext.length + 4 * 16);
});

test("the header is checked: magic, version, kind, segment size, reserved bytes", async () => {
  const withByte = (i: number, v: number) => {
    const c = sealed.slice();
    c[i] = v;
    return c;
  };
  for (const i of [0, 1, 2]) assert.equal(await reason(withByte(i, sealed[i]! ^ 0x20)), "bad_magic");
  for (const v of [0, 2, 255]) assert.equal(await reason(withByte(3, v)), "unsupported_version");
  assert.equal(await reason(withByte(4, ObjectKind.index)), "wrong_kind");
  assert.equal(await reason(sealed, { kind: ObjectKind.snapshot, id: ctx.id }), "wrong_kind");
  for (const v of [0, 9, 25, 255]) assert.equal(await reason(withByte(5, v)), "bad_header");
  for (const i of [6, 7]) assert.equal(await reason(withByte(i, 1)), "bad_header");
  for (let n = 0; n < H; n++) assert.equal(await reason(sealed.subarray(0, n)), "truncated", `${n} bytes`);
});

test("wrong key, wrong object id, tampered salt or segment: auth_failed", async () => {
  assert.equal(await reason(sealed, ctx, seededBytes(9, 32)), "auth_failed");
  assert.equal(await reason(sealed, { kind: ctx.kind, id: "streams/43" }), "auth_failed");
  for (let i = 8; i < H; i++) {
    const c = sealed.slice();
    c[i]! ^= 1;
    assert.equal(await reason(c), "auth_failed", `salt byte ${i}`);
  }
  for (let s = 0; s < 4; s++) {
    for (const off of [0, 100, -1]) {
      const c = sealed.slice();
      c[off < 0 ? H + s * FULL + seg(s).length + off : H + s * FULL + off]! ^= 0x10;
      assert.equal(await reason(c), "auth_failed", `segment ${s} offset ${off}`);
    }
  }
});

test("truncation: at a segment boundary or within a tag's length of one → truncated; deeper inside → auth_failed", async () => {
  for (let p = H; p < sealed.length; p += 29) {
    const r = (p - H) % FULL;
    assert.equal(await reason(sealed.subarray(0, p)), r < 16 ? "truncated" : "auth_failed", `cut at ${p}`);
  }
  for (let s = 1; s <= 3; s++) assert.equal(await reason(sealed.subarray(0, H + s * FULL)), "truncated", `after segment ${s}`);
});

test("reordered, swapped, duplicated or dropped segments: reordered", async () => {
  const build = (...order: number[]) => concatBytes(sealed.subarray(0, H), ...order.map(seg));
  assert.equal(await reason(build(0, 1, 2, 3)), "success");
  for (const order of [
    [1, 0, 2, 3],
    [0, 2, 1, 3],
    [2, 1, 0, 3],
    [0, 0, 1, 2, 3],
    [0, 1, 1, 2, 3],
    [0, 2, 3],
    [1, 2, 3],
    [0, 1, 3],
  ]) {
    assert.equal(await reason(build(...order)), "reordered", order.join(","));
  }
});

test("trailing data: after a full or a partial last segment, pushed after the end, finish twice", async () => {
  const exact = await sealStream(backend, key, ctx, plaintext.subarray(0, 2 * SEG), { segmentLog2: 10 });
  for (const n of [1, 16, FULL, 3 * FULL + 5]) assert.equal(await reason(concatBytes(exact, seededBytes(n, n))), "trailing_data", `${n} after full`);
  for (const n of [1, 5, 100, 256]) assert.equal(await reason(concatBytes(sealed, seededBytes(n, n))), "trailing_data", `${n} after partial`);
  // Beyond what can be told from tampering (trailing data that crosses a segment's length): still rejected.
  assert.equal(await reason(concatBytes(sealed, new Uint8Array(FULL))), "auth_failed");
  const o = new StreamOpener(backend, key, ctx);
  await o.push(sealed);
  await o.finish();
  await assert.rejects(o.push(Uint8Array.of(0)), { reason: "trailing_data" });
  const o2 = new StreamOpener(backend, key, ctx);
  await o2.push(sealed);
  await o2.finish();
  await assert.rejects(o2.finish(), { reason: "trailing_data" });
});

test("misplaced last flags and an empty last segment after a full one are rejected", async () => {
  const craft = (segs: { plaintext: Uint8Array; last: boolean }[]) => craftStream(backend, key, ctx, 10, salt, segs);
  const a = plaintext.subarray(0, SEG);
  const b = plaintext.subarray(SEG, SEG + 7);
  assert.equal(
    await reason(
      await craft([
        { plaintext: a, last: false },
        { plaintext: b, last: true },
      ]),
    ),
    "success",
  );
  assert.equal(
    await reason(
      await craft([
        { plaintext: a, last: false },
        { plaintext: new Uint8Array(0), last: true },
      ]),
    ),
    "bad_structure",
  );
  assert.equal(
    await reason(
      await craft([
        { plaintext: a, last: true },
        { plaintext: b, last: true },
      ]),
    ),
    "trailing_data",
  );
  assert.equal(
    await reason(
      await craft([
        { plaintext: a, last: false },
        { plaintext: b, last: false },
      ]),
    ),
    "truncated",
  );
  assert.equal(await reason(await craft([{ plaintext: new Uint8Array(0), last: true }])), "success");
  assert.equal(await reason(await craft([{ plaintext: b, last: false }])), "truncated");
});

test("errors stick, and nothing past a bad segment is released", async () => {
  const bad = sealed.slice();
  bad[H + 2 * FULL + 5]! ^= 1; // segment 2
  const o = new StreamOpener(backend, key, ctx);
  const released: Uint8Array[] = [];
  let first: unknown;
  for (let i = 0; i < bad.length; i += 100) {
    try {
      released.push(...(await o.push(bad.subarray(i, i + 100))));
    } catch (e) {
      first = e;
      break;
    }
  }
  assert.ok(first instanceof IntegrityError && first.reason === "auth_failed");
  assert.deepEqual(concatBytes(...released), plaintext.subarray(0, 2 * SEG));
  await assert.rejects(o.push(seg(3)), (e) => e === first);
  await assert.rejects(o.finish(), (e) => e === first);
});

test("sealer: only full segments from push, the last from finish; misuse is an Error", async () => {
  const s = await StreamSealer.create(backend, key, ctx, { segmentLog2: 10 });
  assert.deepEqual((await s.push(plaintext.subarray(0, SEG))).length, 0, "a full segment is held back until more data proves it is not the last");
  const out = await s.push(plaintext.subarray(SEG, 2 * SEG + 1));
  assert.deepEqual(
    out.map((x) => x.length),
    [FULL, FULL],
  );
  assert.equal((await s.finish()).length, 1 + 16);
  await assert.rejects(s.push(Uint8Array.of(1)), { message: "stream already finished" });
  await assert.rejects(s.finish(), { message: "stream already finished" });
  for (const log2 of [9, 25, 10.5, Number.NaN]) await assert.rejects(StreamSealer.create(backend, key, ctx, { segmentLog2: log2 }), RangeError);
});

test("diagnosing a bad segment decrypts a bounded number of bytes, even with 16 MiB segments", async () => {
  let opened = 0;
  const counting = {
    ...backend,
    name: "counting",
    async aesGcmOpen(k: Uint8Array, iv: Uint8Array, s: Uint8Array, aad: Uint8Array) {
      opened += s.length;
      return backend.aesGcmOpen(k, iv, s, aad);
    },
  };
  for (const log2 of [10, 16, 24]) {
    const big = await sealStream(backend, key, ctx, new Uint8Array(2 * 2 ** log2 + 1), { segmentLog2: log2 });
    big[big.length - 1]! ^= 1;
    big[H + 10]! ^= 1;
    opened = 0;
    await assert.rejects(openStream(counting, key, ctx, big), { reason: "auth_failed" });
    assert.ok(opened <= 64 * 1024 * 1024 + 3 * (2 ** log2 + 16), `2^${log2}: ${opened} bytes decrypted`);
  }
});
