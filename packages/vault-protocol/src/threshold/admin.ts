/**
 * Signed admin operations (spec/threshold-vault.md §5.6): prepare / commit / abort / repair /
 * delete need the admin key derived from K, not a fresh unlock. Realms verify with the stored
 * adminPublicKey; this module is shared by the client (sign) and the realm (verify).
 *
 *   body      = canonical JSON of {op, target, registration?} (keys sorted, no whitespace)
 *   message   = REALM_LABELS.admin ‖ 0x00 ‖ lp(realmId) ‖ lp(accountId) ‖ lp(op) ‖ SHA-256(body) ‖ u64be(issuedAt)
 *   signature = Ed25519(adminSeed, message)
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { labelled, lp, sha256Bytes, u64be } from "./bytes.ts";
import { REALM_LABELS } from "../labels.ts";
import { utf8 } from "@chatvault/format";
import type { AdminOp, Registration, RegistrationRef } from "./wire.ts";

/** Admin requests older or newer than this (vs the realm clock) are refused (§5.6). */
export const ADMIN_CLOCK_WINDOW_MS = 5 * 60 * 1000;

/**
 * Canonical JSON (§5.6): objects with keys in ascending UTF-16 code-unit order, no whitespace,
 * strings as JSON.stringify writes them, integers only (no floats, no undefined).
 */
export function canonicalJson(x: unknown): string {
  if (x === null || typeof x === "string" || typeof x === "boolean") return JSON.stringify(x);
  if (typeof x === "number") {
    if (!Number.isSafeInteger(x)) throw new TypeError("canonical JSON carries safe integers only");
    return JSON.stringify(x);
  }
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(",")}]`;
  if (typeof x === "object") {
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON cannot carry ${typeof x}`);
}

export interface AdminBody {
  op: AdminOp;
  target: RegistrationRef;
  registration?: Registration;
}

/** The exact bytes signed for an admin request. `realmId` is the 16 raw bytes. */
export function adminMessage(realmId: Uint8Array, accountId: string, body: AdminBody, issuedAt: number): Uint8Array {
  const digest = sha256Bytes(
    utf8(canonicalJson({ op: body.op, target: { version: body.target.version, registrationId: body.target.registrationId }, registration: body.registration })),
  );
  return labelled(REALM_LABELS.admin, lp(realmId), lp(accountId), lp(body.op), digest, u64be(issuedAt));
}

export function signAdmin(adminSeed: Uint8Array, realmId: Uint8Array, accountId: string, body: AdminBody, issuedAt: number): Uint8Array {
  return ed25519.sign(adminMessage(realmId, accountId, body, issuedAt), adminSeed);
}

/** Strict RFC 8032 verification; false on any malformed input. */
export function verifyAdmin(
  adminPublicKey: Uint8Array,
  signature: Uint8Array,
  realmId: Uint8Array,
  accountId: string,
  body: AdminBody,
  issuedAt: number,
): boolean {
  try {
    return ed25519.verify(signature, adminMessage(realmId, accountId, body, issuedAt), adminPublicKey, { zip215: false });
  } catch {
    return false;
  }
}
