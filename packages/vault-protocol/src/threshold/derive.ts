/**
 * Key derivations of the threshold vault (spec/threshold-vault.md §3). Everything a realm
 * registration contains is a deterministic function of (K, rid, salt, S, accountId, realm set,
 * version) except the wrap nonce, so any holder of K (and O) can rebuild a realm's
 * registration later (repair, §6.5).
 */
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { concatBytes, utf8 } from "@chatvault/format";
import { hkdfSha256, hmacSha256, labelled, lp, u32be, u8 } from "./bytes.ts";
import { REALM_LABELS, type PolynomialName } from "../labels.ts";
import { Fn, Point, checkThreshold, evaluatePolynomial, scalarToBytes } from "./shamir.ts";

export const voprf = ristretto255_oprf.voprf;
export const oprf = ristretto255_oprf.oprf;

export const ROOT_KEY_BYTES = 32;
export const REGISTRATION_ID_BYTES = 16;
export const REALM_ID_BYTES = 16;
export const OPRF_OUTPUT_BYTES = 64;

function checkBytes(b: Uint8Array, n: number, name: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new TypeError(`${name} must be ${n} bytes`);
}

/** §3.2: I = REALM_LABELS.oprfInput ‖ 0x00 ‖ lp(accountId) ‖ S. */
export function oprfInput(accountId: string, stretched: Uint8Array): Uint8Array {
  checkBytes(stretched, 32, "stretched password");
  return labelled(REALM_LABELS.oprfInput, lp(accountId), stretched);
}

/**
 * §3.3: coefficient j of polynomial `name` = Fn.create(LE(HKDF(K, salt = rid, info = poly/‖name‖"/"‖u8(j), 64)))
 * (wide reduction of 64 bytes, little-endian as in RFC 9496).
 */
export function polynomialCoefficients(rootKey: Uint8Array, rid: Uint8Array, name: PolynomialName, threshold: number): bigint[] {
  checkBytes(rootKey, ROOT_KEY_BYTES, "root key");
  checkBytes(rid, REGISTRATION_ID_BYTES, "registrationId");
  checkThreshold(threshold, threshold);
  return Array.from({ length: threshold }, (_, j) =>
    Fn.create(bytesToNumberLE(hkdfSha256(rootKey, rid, concatBytes(utf8(REALM_LABELS.polynomial + name + "/"), u8(j)), 64))),
  );
}

/** The two polynomials and the shares of realms 1..n, or `null` when this rid must be redrawn (§3.3: a zero coefficient or share). */
export interface RealmShares {
  k: bigint;
  z: bigint;
  /** k_i, z_i for i = 1..n (index i at position i−1). */
  shares: { index: number; k: bigint; z: bigint; publicShare: Uint8Array }[];
}

export function deriveShares(rootKey: Uint8Array, rid: Uint8Array, threshold: number, realmCount: number): RealmShares | null {
  checkThreshold(threshold, realmCount);
  const fo = polynomialCoefficients(rootKey, rid, "oprf", threshold);
  const fw = polynomialCoefficients(rootKey, rid, "wrap", threshold);
  if (fo.some((c) => c === 0n) || fw.some((c) => c === 0n)) return null;
  const shares = [];
  for (let i = 1; i <= realmCount; i++) {
    const k = evaluatePolynomial(fo, i);
    const z = evaluatePolynomial(fw, i);
    if (k === 0n || z === 0n) return null;
    shares.push({ index: i, k, z, publicShare: Point.BASE.multiply(k).toBytes() });
  }
  return { k: fo[0]!, z: fw[0]!, shares };
}

/** §3.5: UK = HKDF(O, salt = rid, info = REALM_LABELS.unlockKey, 32). */
export function deriveUnlockKey(output: Uint8Array, rid: Uint8Array): Uint8Array {
  checkBytes(output, OPRF_OUTPUT_BYTES, "OPRF output");
  checkBytes(rid, REGISTRATION_ID_BYTES, "registrationId");
  return hkdfSha256(output, rid, REALM_LABELS.unlockKey, 32);
}

export function unlockTag(uk: Uint8Array, realmId: Uint8Array, accountId: string, version: number): Uint8Array {
  checkBytes(realmId, REALM_ID_BYTES, "realmId");
  return hmacSha256(uk, labelled(REALM_LABELS.unlockTag, lp(realmId), lp(accountId), u32be(version)));
}

export function unlockCheck(uk: Uint8Array, accountId: string, version: number): Uint8Array {
  return hmacSha256(uk, labelled(REALM_LABELS.unlockCheck, lp(accountId), u32be(version)));
}

export function shareTag(uk: Uint8Array, realmId: Uint8Array, shareIndex: number, wrapShare: Uint8Array, version: number): Uint8Array {
  checkBytes(realmId, REALM_ID_BYTES, "realmId");
  checkBytes(wrapShare, 32, "wrapShare");
  return hmacSha256(uk, labelled(REALM_LABELS.shareTag, lp(realmId), u8(shareIndex), wrapShare, u32be(version)));
}

/** §3.6: WK = HKDF(O ‖ Fn.toBytes(z), salt = rid, info = REALM_LABELS.wrapKey, 32). */
export function deriveWrapKey(output: Uint8Array, z: bigint, rid: Uint8Array): Uint8Array {
  checkBytes(output, OPRF_OUTPUT_BYTES, "OPRF output");
  return hkdfSha256(concatBytes(output, scalarToBytes(z)), rid, REALM_LABELS.wrapKey, 32);
}

/** §3.6: AAD of E. */
export function wrappedRootKeyAad(accountId: string, rid: Uint8Array, version: number): Uint8Array {
  checkBytes(rid, REGISTRATION_ID_BYTES, "registrationId");
  return labelled(REALM_LABELS.wrappedRootKey, lp(accountId), rid, u32be(version));
}

/** §3.7: the admin signing key, Ed25519 from HKDF(K, "", REALM_LABELS.adminSigning, 32). */
export function deriveAdminSeed(rootKey: Uint8Array): Uint8Array {
  checkBytes(rootKey, ROOT_KEY_BYTES, "root key");
  return hkdfSha256(rootKey, new Uint8Array(0), REALM_LABELS.adminSigning, 32);
}

export function adminPublicKeyOf(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

/**
 * RFC 9497 §3.3.2 VOPRF Evaluate (the non-interactive output with the full key). @noble/curves
 * ships it at runtime but its type declarations omit it for voprf; the cast names the real function.
 */
export function voprfEvaluate(secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  return (voprf as unknown as { evaluate(sk: Uint8Array, i: Uint8Array): Uint8Array }).evaluate(secretKey, input);
}

/** True when `proof` shows `evaluated` = k_i·`blinded` for the realm's public share (RFC 9497 §2.2.2 VerifyProof). */
export function verifyEvaluationProof(
  input: Uint8Array,
  blind: Uint8Array,
  blinded: Uint8Array,
  evaluated: Uint8Array,
  publicShare: Uint8Array,
  proof: Uint8Array,
): boolean {
  try {
    voprf.finalize(input, blind, evaluated, blinded, publicShare, proof);
    return true;
  } catch {
    return false;
  }
}

/** The unblinded OPRF output of the combined evaluation (RFC 9497 Finalize; §6.3). */
export function finalizeCombined(input: Uint8Array, blind: Uint8Array, combined: Uint8Array): Uint8Array {
  return oprf.finalize(input, blind, combined);
}
