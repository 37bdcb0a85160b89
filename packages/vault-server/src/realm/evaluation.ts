/**
 * The realm's OPRF evaluation `k_i · blinded` (spec/threshold-vault.md §5.4) with
 * libsodium's audited ristretto255 (`crypto_scalarmult_ristretto255`, WASM), about ten
 * times cheaper than the pure-JS constant-time multiply: it is the realm's hottest
 * operation (one per counted attempt). The result is the element of RFC 9497
 * `BlindEvaluate` byte for byte (`evaluation.test.ts` checks it against @noble/curves for
 * random keys and elements); the proof (§5.4.1) stays @noble/curves' RFC 9497 code.
 */
import sodium from "libsodium-wrappers-sumo";

let ready: Promise<void> | undefined;

/** Resolves once libsodium's WASM is instantiated; call before `evaluateElement`. */
export function evaluationReady(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

const IDENTITY = new Uint8Array(32);

/**
 * A canonical ristretto255 encoding of an element other than the identity (§5.4: `blinded`,
 * checked before anything is counted), by libsodium's `crypto_core_ristretto255_is_valid_point`
 * (canonical encodings only; it accepts the identity, refused here). The same answer as
 * @noble/curves' `Point.fromBytes` + `!equals(ZERO)` (`evaluation.test.ts`), ~10× cheaper: it
 * runs on every evaluate and start request. Call after `evaluationReady()`.
 */
export function isNonIdentityElement(p: Uint8Array): boolean {
  if (p.length !== 32 || !sodium.crypto_core_ristretto255_is_valid_point(p)) return false;
  let zero = 0;
  for (let i = 0; i < 32; i++) zero |= p[i]! ^ IDENTITY[i]!;
  return zero !== 0;
}

/**
 * `k · P` for a canonical non-zero scalar `k` (32 bytes, little-endian, < ℓ) and a valid
 * non-identity element `P` (the realm checked both: §4.2 at registration, §5.4 before
 * counting). libsodium runs in constant time in `k`; it refuses an identity result, which
 * these inputs cannot give (ℓ is prime).
 */
export function evaluateElement(k: Uint8Array, p: Uint8Array): Uint8Array {
  if (k.length !== 32 || p.length !== 32) throw new RangeError("scalar and element are 32 bytes");
  return sodium.crypto_scalarmult_ristretto255(k, p);
}
