/**
 * Checks a realm makes on what a client sends (spec/threshold-vault.md §4, MUST-reject
 * list) beyond the JSON schema: its own realm ID, index and threshold ranges, the KSF
 * bounds, canonical scalars, valid points, and `k_i·G == Y_i`. All before anything is
 * counted or written.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { DEFAULT_KEY_STRETCHING } from "@chatvault/vault-protocol";
import { registrationProblem as sharedRegistrationProblem } from "./protocol.ts";
import type { Registration } from "./state.ts";
import { isNonIdentityElement } from "./evaluation.ts";

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

/**
 * A valid ristretto255 encoding of a point other than the identity (libsodium, `evaluation.ts`;
 * the realm awaits `evaluationReady()` before it serves a request).
 */
export function isGroupElement(s: string): boolean {
  return isNonIdentityElement(bytes(s));
}

function isEd25519PublicKey(s: string): boolean {
  try {
    ed25519.Point.fromBytes(bytes(s));
    return true;
  } catch {
    return false;
  }
}

/** The spec's list (§4.2, shared with the client), then the signing keys must be Ed25519 points. */
export function registrationProblem(r: Registration, realmId: string, allowWeakKsf: boolean): string | null {
  const p = sharedRegistrationProblem(r, { realmId, ...(allowWeakKsf ? {} : { minimumKsf: DEFAULT_KEY_STRETCHING }) });
  if (p) return p;
  if (!isEd25519PublicKey(r.headPublicKey)) return "headPublicKey is not an Ed25519 public key";
  if (!isEd25519PublicKey(r.adminPublicKey)) return "adminPublicKey is not an Ed25519 public key";
  return null;
}

/** True for the one reason that is `wrong_realm` rather than `bad_request`. */
export const isWrongRealm = (problem: string) => problem === "registration is for another realm";
