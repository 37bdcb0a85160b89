/**
 * The client's group arithmetic of an unlock (spec/threshold-vault.md §6.3): checking that an
 * evaluation is a non-identity element, the Lagrange combination Σ λ_i·Z_i and the
 * interpolation check of members beyond the first t, on libsodium's audited ristretto255
 * (`crypto_scalarmult_ristretto255`, `crypto_core_ristretto255_add`, WASM) — the primitive
 * the realm evaluates with — instead of @noble/curves' pure-JS multiply (~1 ms each); a
 * coefficient of magnitude ≤ 8 (the lowest indexes' at 0) by a few additions instead.
 *
 * libsodium is loaded by a dynamic import, only when a realms-mode unlock starts, so the
 * single-vault and key-mode paths (and a web app's first load) never fetch or instantiate it.
 * Results are the bytes `interpolatePoints` (shamir.ts, @noble/curves) gives:
 * `combine.property.test.ts` checks it for random polynomials, elements and index sets.
 * Blind and Finalize stay @noble/curves' RFC 9497 code (derive.ts). The same instance derives
 * the Ed25519 public keys that check K (§6.4).
 */
import { Fn, lagrangeCoefficient, scalarToBytes } from "./shamir.ts";

type Sodium = (typeof import("libsodium-wrappers-sumo"))["default"];

/** ristretto255's canonical encoding of the identity (RFC 9496 §4.3.2). */
const IDENTITY = new Uint8Array(32);

/** The group arithmetic, once libsodium's WASM is instantiated. */
export interface GroupArithmetic {
  /** A canonical encoding of a ristretto255 element other than the identity (§5.4, §6.3). */
  isNonIdentityElement(bytes: Uint8Array): boolean;
  /**
   * Σ λ_i·Z_i at `at` (default 0) for elements already checked by `isNonIdentityElement`;
   * the identity's encoding when the sum is the identity (only lying realms reach it).
   */
  interpolate(shares: readonly { index: number; element: Uint8Array }[], at?: number): Uint8Array;
  /**
   * The Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5), by libsodium's
   * `crypto_sign_seed_keypair`: the same bytes as @noble/curves' `ed25519.getPublicKey`
   * (combine.property.test.ts), ~0.04 ms instead of ~0.3 ms. Used to check K against the
   * registration's head and admin keys at the end of an unlock (§6.4).
   */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
}

let loading: Promise<GroupArithmetic> | undefined;

/**
 * Loads libsodium on first call (and only then); later calls share the same instance. A
 * failed load is not remembered, so a later unlock tries again.
 */
export function groupArithmetic(): Promise<GroupArithmetic> {
  loading ??= import("libsodium-wrappers-sumo")
    .then(async (m) => {
      const sodium = m.default;
      await sodium.ready;
      return arithmeticOf(sodium);
    })
    .catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
  return loading;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * Largest |λ| taken by additions: m·P by doubling and adding costs at most 2·⌊log₂ m⌋ additions
 * (4 for m ≤ 8), below one constant-time multiplication's cost.
 */
const MAX_SMALL_COEFFICIENT = 8n;

/** m·P for 1 ≤ m ≤ MAX_SMALL_COEFFICIENT, left-to-right double-and-add; variable time, for public m and P only. */
function smallMultiple(sodium: Sodium, m: number, p: Uint8Array): Uint8Array {
  let r = p;
  for (let bit = 30 - Math.clz32(m); bit >= 0; bit--) {
    r = sodium.crypto_core_ristretto255_add(r, r);
    if ((m >> bit) & 1) r = sodium.crypto_core_ristretto255_add(r, p);
  }
  return r;
}

function arithmeticOf(sodium: Sodium): GroupArithmetic {
  return {
    isNonIdentityElement(bytes) {
      return bytes.length === 32 && sodium.crypto_core_ristretto255_is_valid_point(bytes) && !equalBytes(bytes, IDENTITY);
    },
    interpolate(shares, at = 0) {
      const idx = shares.map((s) => s.index);
      let acc: Uint8Array | null = null;
      for (const s of shares) {
        const lambda = lagrangeCoefficient(s.index, idx, at);
        // λ_i = 0 only when `at` is another index of S: the term is the identity, skipped. Otherwise
        // λ_i ≠ 0 and Z_i ≠ identity in a prime-order group, so λ_i·Z_i is never the identity that
        // crypto_scalarmult_ristretto255 refuses. λ_i < ℓ < 2²⁵³: libsodium's clearing of the top
        // bit leaves it unchanged.
        if (lambda === 0n) continue;
        // λ_i and Z_i are public (the indexes and the realms' answers; the blind stays inside
        // Finalize), so a small ±λ_i may take the variable-time path: a few additions (~25 µs each)
        // instead of a constant-time multiplication (~120 µs). The lowest indexes at 0 give the
        // smallest coefficients: {1, 2} gives 2 and −1.
        const negative = lambda > Fn.ORDER >> 1n;
        const magnitude = negative ? Fn.ORDER - lambda : lambda;
        const term =
          magnitude <= MAX_SMALL_COEFFICIENT
            ? smallMultiple(sodium, Number(magnitude), s.element)
            : sodium.crypto_scalarmult_ristretto255(scalarToBytes(magnitude), s.element);
        if (acc === null) acc = negative ? sodium.crypto_core_ristretto255_sub(IDENTITY, term) : term;
        else acc = negative ? sodium.crypto_core_ristretto255_sub(acc, term) : sodium.crypto_core_ristretto255_add(acc, term);
      }
      if (acc === null) throw new RangeError("need at least one share");
      return acc;
    },
    ed25519PublicKey(seed) {
      if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError("seed must be 32 bytes");
      const { publicKey, privateKey } = sodium.crypto_sign_seed_keypair(seed);
      privateKey.fill(0); // it holds the seed; best-effort wipe
      return publicKey;
    },
  };
}

/** Whether two canonical element encodings name the same element (ristretto255 encodings are unique). */
export function sameElement(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}
