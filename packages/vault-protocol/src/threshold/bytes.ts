/**
 * Byte encodings used by the threshold derivations (spec/threshold-vault.md §2):
 * `lp(x) = u32be(len(x)) ‖ x`, `u8`, `u32be`, `u64be`, and HKDF/HMAC-SHA256 from @noble/hashes
 * (synchronous, the same bytes as WebCrypto; browser-safe).
 */
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8, writeU32BE } from "@chatvault/format";

export function u8(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError("u8 value out of range");
  return Uint8Array.of(n);
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError("u32 value out of range");
  const b = new Uint8Array(4);
  writeU32BE(b, 0, n);
  return b;
}

export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("u64 value must be a safe non-negative integer");
  const b = new Uint8Array(8);
  writeU32BE(b, 0, Math.floor(n / 2 ** 32));
  writeU32BE(b, 4, n >>> 0);
  return b;
}

/** Length-prefixed bytes: u32be(len) ‖ bytes. */
export function lp(x: Uint8Array | string): Uint8Array {
  const b = typeof x === "string" ? utf8(x) : x;
  return concatBytes(u32be(b.length), b);
}

/** label ‖ 0x00 — every labelled message starts so. */
export function labelled(label: string, ...parts: Uint8Array[]): Uint8Array {
  return concatBytes(utf8(label), Uint8Array.of(0), ...parts);
}

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): Uint8Array {
  return nobleHkdf(sha256, ikm, salt, typeof info === "string" ? utf8(info) : info, length);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return nobleHmac(sha256, key, data);
}

export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** Constant-time equality of two byte strings (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
