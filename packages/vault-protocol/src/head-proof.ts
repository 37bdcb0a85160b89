/**
 * Head proof (spec/vault-protocol.md §7.1, spec/threshold-vault.md §5.7): a backup head is signed with an Ed25519 key
 * derived from the backup's root key, so only someone who holds the root key can move
 * the head; the vault checks the signature before its conditional write and clients
 * check the heads they read. One construction for the single vault and the threshold
 * realms:
 *
 *   seed      = HKDF-SHA256(ikm = rootKey (32 bytes), salt = empty, info = UTF-8(HEAD_SIGNING_LABEL), L = 32)
 *   publicKey = Ed25519 public key of seed (32 bytes, RFC 8032 §5.1.5)
 *   message   = UTF-8(HEAD_MESSAGE_LABEL) ‖ 0x00 ‖ u32be(len(UTF-8(accountId))) ‖ UTF-8(accountId)
 *               ‖ u64be(sequence) ‖ u32be(len(digest)) ‖ digest
 *   signature = Ed25519-sign(seed, message) (64 bytes, RFC 8032 §5.1.6)
 *
 * Browser-safe: @noble/curves (ed25519) and @noble/hashes (HKDF-SHA256), both synchronous.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8, writeU32BE } from "@chatvault/format";
import { checkAccountId } from "./account-id.ts";
import { HEAD_MESSAGE_LABEL, HEAD_SIGNING_LABEL } from "./labels.ts";

export const HEAD_PUBLIC_KEY_BYTES = 32;
export const HEAD_SIGNATURE_BYTES = 64;
const inspect = Symbol.for("nodejs.util.inspect.custom");

function checkHead(sequence: number, digest: Uint8Array): void {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError("sequence must be a safe integer ≥ 1");
  if (!(digest instanceof Uint8Array) || digest.length < 1 || digest.length > 64) throw new RangeError("digest must be 1–64 bytes");
}

/** The exact bytes that are signed for (accountId, sequence, digest). */
export function headMessage(accountId: string, sequence: number, digest: Uint8Array): Uint8Array {
  checkAccountId(accountId);
  checkHead(sequence, digest);
  const id = utf8(accountId);
  const idLen = new Uint8Array(4);
  writeU32BE(idLen, 0, id.length);
  const seq = new Uint8Array(8);
  writeU32BE(seq, 0, Math.floor(sequence / 2 ** 32));
  writeU32BE(seq, 4, sequence >>> 0);
  const dLen = new Uint8Array(4);
  writeU32BE(dLen, 0, digest.length);
  return concatBytes(utf8(HEAD_MESSAGE_LABEL), Uint8Array.of(0), idLen, id, seq, dLen, digest);
}

export interface HeadSigningKey {
  /** Registered with the vault record at enable. Not secret. */
  readonly publicKey: Uint8Array;
  sign(accountId: string, sequence: number, digest: Uint8Array): Uint8Array;
}

class DerivedHeadSigningKey implements HeadSigningKey {
  readonly publicKey: Uint8Array;
  readonly #seed: Uint8Array;
  constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.publicKey = ed25519.getPublicKey(seed);
  }
  sign(accountId: string, sequence: number, digest: Uint8Array): Uint8Array {
    return ed25519.sign(headMessage(accountId, sequence, digest), this.#seed);
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect](): string {
    return "HeadSigningKey [redacted]";
  }
}

/** Derive the head-signing key of a root key (32 bytes). Its secret half prints `[redacted]`. */
export function deriveHeadSigningKey(rootKey: Uint8Array): HeadSigningKey {
  return new DerivedHeadSigningKey(deriveHeadSigningSeed(rootKey));
}

/** The Ed25519 seed of the head-signing key (the HKDF step above), for callers that derive its public key with another Ed25519 implementation. */
export function deriveHeadSigningSeed(rootKey: Uint8Array): Uint8Array {
  if (!(rootKey instanceof Uint8Array) || rootKey.length !== 32) throw new TypeError("rootKey must be 32 bytes");
  return hkdf(sha256, rootKey, new Uint8Array(0), utf8(HEAD_SIGNING_LABEL), 32);
}

/** True when `signature` is a valid Ed25519 signature of the head under `publicKey`; false for any malformed input. */
export function verifyHeadSignature(publicKey: Uint8Array, accountId: string, sequence: number, digest: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== HEAD_PUBLIC_KEY_BYTES) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== HEAD_SIGNATURE_BYTES) return false;
  let message: Uint8Array;
  try {
    message = headMessage(accountId, sequence, digest);
  } catch {
    return false;
  }
  try {
    // zip215: false — RFC 8032 strict verification (canonical encodings), the same answer everywhere.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
