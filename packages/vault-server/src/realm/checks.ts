/**
 * Checks a realm makes on what a client sends (spec/threshold-vault.md §4, MUST-reject
 * list) beyond the JSON schema: its own realm ID, index and threshold ranges, the KSF
 * bounds, canonical scalars, valid points, and `k_i·G == Y_i`. All before anything is
 * counted or written.
 */
import { ed25519, ristretto255 } from "@noble/curves/ed25519.js";
import { keyStretchingProblem, meetsDefaultStrength } from "@chatvault/vault-protocol";
import type { Registration } from "./state.ts";

const Point = ristretto255.Point;
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

/** A canonical, non-zero scalar (32 bytes little-endian), or null. */
function scalar(s: string): bigint | null {
  try {
    const v = Point.Fn.fromBytes(bytes(s));
    return v === 0n ? null : v;
  } catch {
    return null;
  }
}

/** A valid ristretto255 encoding of a point other than the identity. */
export function isGroupElement(s: string): boolean {
  try {
    return !Point.fromBytes(bytes(s)).equals(Point.ZERO);
  } catch {
    return false;
  }
}

function isEd25519PublicKey(s: string): boolean {
  try {
    ed25519.Point.fromBytes(bytes(s));
    return true;
  } catch {
    return false;
  }
}

/** The reason a registration is refused, or null when this realm accepts it. */
export function registrationProblem(r: Registration, realmId: string, allowWeakKsf: boolean): string | null {
  if (r.realmId !== realmId) return "the registration is for another realm";
  if (!(r.threshold >= 1 && r.threshold <= r.realmCount && r.realmCount <= 9)) return "threshold and realmCount must satisfy 1 ≤ t ≤ n ≤ 9";
  if (!(r.shareIndex >= 1 && r.shareIndex <= r.realmCount)) return "shareIndex must be in [1, realmCount]";
  const ks = { algorithm: "argon2id", ...r.ksf };
  const ksp = keyStretchingProblem(ks);
  if (ksp) return ksp.replace("keyStretching", "ksf");
  if (!allowWeakKsf && !meetsDefaultStrength(ks as never)) return "ksf is weaker than the default (Argon2id 64 MiB, 3 passes)";
  const k = scalar(r.oprfKeyShare);
  if (k === null) return "oprfKeyShare is not a canonical non-zero scalar";
  if (scalar(r.wrapShare) === null) return "wrapShare is not a canonical non-zero scalar";
  if (!isGroupElement(r.oprfPublicShare)) return "oprfPublicShare is not a valid group element";
  if (!Point.BASE.multiply(k).equals(Point.fromBytes(bytes(r.oprfPublicShare)))) return "oprfPublicShare is not oprfKeyShare·G";
  if (!isEd25519PublicKey(r.headPublicKey)) return "headPublicKey is not an Ed25519 public key";
  if (!isEd25519PublicKey(r.adminPublicKey)) return "adminPublicKey is not an Ed25519 public key";
  return null;
}
