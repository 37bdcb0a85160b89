import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  NATIVE_BASE64_MIN,
  base64UrlLength,
  concatBytes,
  equalBytes,
  fromBase64Url,
  fromBase64UrlPortable,
  fromHex,
  fromUtf8,
  readU32BE,
  toBase64Url,
  toHex,
  utf8,
  writeBase64Url,
  writeU32BE,
} from "./bytes.ts";
import { ByteQueue } from "./byte-queue.ts";

test("hex: round trip; strict parsing", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      assert.equal(toHex(b), Buffer.from(b).toString("hex"));
      assert.deepEqual(fromHex(toHex(b)), b);
      assert.deepEqual(fromHex(toHex(b).toUpperCase()), b);
    }),
  );
  assert.throws(() => fromHex("abc"), { name: "TypeError", message: "hex string has odd length 3" });
  for (const s of ["0g", "+1", " 1", "0x", "G0", "a\u0100", "\u0661\u0661", "\uff10\uff10"]) assert.throws(() => fromHex(s), TypeError, s);
});

test("base64url: round trip; one spelling per byte string", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const s = toBase64Url(b);
      assert.equal(s, Buffer.from(b).toString("base64url"));
      assert.deepEqual(fromBase64Url(s), b);
    }),
  );
  for (const s of ["QQ==", "Q", "QR", "QUJ", "a b", "a+b/", "QUJD\n"]) assert.throws(() => fromBase64Url(s), TypeError, s);
  assert.deepEqual(fromBase64Url("QUI"), utf8("AB"));
});

test("base64url: long strings (Node's codec) decode as the portable loop does, and are as strict", () => {
  const long = Math.ceil((NATIVE_BASE64_MIN * 3) / 4) + 3;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: long, maxLength: long + 40 }), fc.nat(), fc.constantFrom("+", "/", "=", " ", "\n", "!", "\u0100"), (b, at, bad) => {
      const s = toBase64Url(b);
      assert.ok(s.length >= NATIVE_BASE64_MIN);
      assert.deepEqual(fromBase64Url(s), b);
      assert.deepEqual(fromBase64UrlPortable(s), b);
      // One character Node's lenient decoder would skip or accept, anywhere in the string.
      const k = at % s.length;
      const spoiled = s.slice(0, k) + bad + s.slice(k + (bad === "+" || bad === "/" ? 1 : 0));
      assert.throws(() => fromBase64UrlPortable(spoiled), TypeError);
      assert.throws(() => fromBase64Url(spoiled), TypeError, JSON.stringify(bad));
    }),
    { numRuns: 60 },
  );
  // Non-canonical trailing bits and padding at the end of a long string.
  const s = toBase64Url(new Uint8Array(long + 1)); // length % 4 === 2: ends in "AA"
  assert.equal(s.length % 4, 2);
  for (const end of ["AB", "AA==", "AA="]) assert.throws(() => fromBase64Url(s.slice(0, -2) + end), TypeError, end);
  // What the native path returns is a plain view of its own memory, not a Buffer.
  const d = fromBase64Url(s);
  assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype);
  assert.equal(d.byteOffset, 0);
  assert.equal(d.buffer.byteLength, d.length);
});

test("utf8: strict decoding", () => {
  assert.equal(fromUtf8(utf8("ünï📦")), "ünï📦");
  assert.throws(() => fromUtf8(Uint8Array.of(0xc3)), TypeError);
});

test("equalBytes, concatBytes, u32 big-endian", () => {
  assert.ok(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.ok(!equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  assert.ok(!equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)));
  assert.deepEqual(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
  const b = new Uint8Array(6);
  writeU32BE(b, 1, 0xdeadbeef);
  assert.deepEqual(b, Uint8Array.of(0, 0xde, 0xad, 0xbe, 0xef, 0));
  assert.equal(readU32BE(b, 1), 0xdeadbeef);
});

test("ByteQueue: any pushes and takes return the bytes in order; pushed buffers may be reused", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 50 })), fc.array(fc.nat(60)), (pushes, takes) => {
      const q = new ByteQueue();
      const all = concatBytes(...pushes);
      for (const p of pushes) {
        q.push(p);
        p.fill(0xee);
      }
      const out: Uint8Array[] = [];
      for (const n of takes) if (n <= q.length) out.push(q.take(n).slice());
      out.push(q.take(q.length));
      assert.deepEqual(concatBytes(...out), all);
      assert.equal(q.length, 0);
    }),
  );
  assert.throws(() => new ByteQueue().take(1), RangeError);
});

test("writeBase64Url: the bytes of toBase64Url's text, written in place; no room is a RangeError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), fc.nat(8), (b, before, after) => {
      const n = base64UrlLength(b.length);
      assert.equal(n, toBase64Url(b).length);
      const out = new Uint8Array(before + n + after).fill(0xee);
      writeBase64Url(b, out, before);
      assert.equal(fromUtf8(out.subarray(before, before + n)), toBase64Url(b));
      assert.ok(out.subarray(0, before).every((x) => x === 0xee));
      assert.ok(out.subarray(before + n).every((x) => x === 0xee));
      if (n > 0) assert.throws(() => writeBase64Url(b, new Uint8Array(before + n - 1), before), RangeError);
    }),
  );
  assert.throws(() => writeBase64Url(new Uint8Array(3), new Uint8Array(8), -1), RangeError);
});
