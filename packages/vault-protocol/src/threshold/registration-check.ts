/**
 * What a realm MUST check about a Registration before it stores it (spec/threshold-vault.md §4.2).
 * Exported so the realm server applies exactly the spec's list; returns a reason or null.
 */
import { keyStretchingProblem } from "../key-stretching.ts";
import { decodeField, parseRegistration } from "./codecs.ts";
import { Point, scalarFromBytes } from "./shamir.ts";
import { REALM_FIELD_BYTES, type Registration } from "./wire.ts";

export interface RegistrationCheckOptions {
  /** The realm's own ID (base64url). */
  realmId: string;
  /** KSF floor of this realm (memory and passes); default none beyond the structural bounds. */
  minimumKsf?: { memoryKiB: number; iterations: number };
}

export function registrationProblem(x: unknown, options: RegistrationCheckOptions): string | null {
  let r: Registration;
  try {
    r = parseRegistration(x);
  } catch (e) {
    return (e as Error).message;
  }
  if (r.realmId !== options.realmId) return "registration is for another realm";
  const ksf = keyStretchingProblem({ algorithm: "argon2id", ...r.ksf });
  if (ksf) return ksf;
  if (options.minimumKsf && (r.ksf.memoryKiB < options.minimumKsf.memoryKiB || r.ksf.iterations < options.minimumKsf.iterations)) {
    return "ksf weaker than this realm's floor";
  }
  let k: bigint;
  let z: bigint;
  try {
    k = scalarFromBytes(decodeField(r.oprfKeyShare, REALM_FIELD_BYTES.oprfKeyShare)!);
    z = scalarFromBytes(decodeField(r.wrapShare, REALM_FIELD_BYTES.wrapShare)!);
  } catch {
    return "oprfKeyShare or wrapShare is not a canonical scalar";
  }
  if (k === 0n || z === 0n) return "oprfKeyShare and wrapShare must be non-zero";
  let y: InstanceType<typeof Point>;
  try {
    y = Point.fromBytes(decodeField(r.oprfPublicShare, REALM_FIELD_BYTES.oprfPublicShare)!);
  } catch {
    return "oprfPublicShare is not a valid ristretto255 encoding";
  }
  if (!Point.BASE.multiply(k).equals(y)) return "oprfPublicShare does not match oprfKeyShare";
  return null;
}
