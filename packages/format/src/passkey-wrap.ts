/**
 * Passkey key objects (spec/backup-format.md §13): the root key wrapped under a key
 * derived from a passkey's WebAuthn PRF output, one object per passkey, stored beside the
 * repository config as `keys/passkey-<32 hex>`.
 *
 *   wrapKey = HKDF-SHA256(IKM = PRF output (32 bytes), salt = prfSalt, info = UTF-8(PASSKEY_LABELS.wrap), L = 32)
 *   AAD     = UTF-8(PASSKEY_LABELS.wrap) ‖ 0x00 ‖ u8(version) ‖ UTF-8(repoId) ‖ u8(len(credentialId)) ‖ credentialId
 *   object  = "CVPK" ‖ u8(version = 1) ‖ u8(len(credentialId)) ‖ credentialId ‖ prfSalt[32] ‖ nonce[12] ‖ AES-256-GCM(wrapKey, nonce, K, AAD)[48]
 *
 * The PRF output is 256 bits the authenticator computes from its own per-credential secret
 * and the salt (WebAuthn PRF extension, CTAP2 hmac-secret): the storage provider, who can
 * read these objects, has nothing to guess offline.
 */
import { concatBytes, equalBytes, toHex, utf8 } from "./bytes.ts";
import { type CryptoBackend, type RandomSource, getDefaultBackend, platformRandom } from "./backend.ts";
import { IntegrityError } from "./errors.ts";
import { PASSKEY_LABELS } from "./labels.ts";
import { RootKey } from "./secret.ts";

export const PASSKEY_MAGIC = Uint8Array.of(0x43, 0x56, 0x50, 0x4b); // "CVPK"
export const PASSKEY_WRAP_VERSION = 1;
export const PASSKEY_PRF_SALT_LENGTH = 32;
export const PASSKEY_PRF_OUTPUT_LENGTH = 32;
export const PASSKEY_NONCE_LENGTH = 12;
const WRAPPED_LENGTH = RootKey.LENGTH + 16;
/** Prefix of every passkey key object's name. */
export const PASSKEY_OBJECT_PREFIX = "keys/passkey-";

export interface PasskeyWrap {
  version: number;
  /** The WebAuthn credential ID (raw bytes, 1 to 255). */
  credentialId: Uint8Array;
  /** The PRF input (`prf.eval.first`), fresh per wrap. */
  prfSalt: Uint8Array;
  nonce: Uint8Array;
  /** AES-256-GCM of the root key: 32 bytes + 16-byte tag. */
  wrapped: Uint8Array;
}

function checkCredentialId(id: Uint8Array): void {
  if (!(id instanceof Uint8Array) || id.length < 1 || id.length > 255) throw new RangeError("credentialId must be 1 to 255 bytes");
}

/** The AAD: binds a wrap to its repository, its credential and the wrap version. */
export function passkeyWrapAad(repoId: string, credentialId: Uint8Array, version = PASSKEY_WRAP_VERSION): Uint8Array {
  checkCredentialId(credentialId);
  return concatBytes(utf8(PASSKEY_LABELS.wrap), Uint8Array.of(0, version), utf8(repoId), Uint8Array.of(credentialId.length), credentialId);
}

async function wrapKey(backend: CryptoBackend, prfOutput: Uint8Array, prfSalt: Uint8Array): Promise<Uint8Array> {
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== PASSKEY_PRF_OUTPUT_LENGTH) throw new RangeError("prfOutput must be 32 bytes");
  return backend.hkdf(prfOutput, prfSalt, utf8(PASSKEY_LABELS.wrap), 32);
}

/** A fresh PRF salt for a new wrap (the `prf.eval.first` the authenticator is asked for). */
export function newPasskeyPrfSalt(random: RandomSource = platformRandom): Uint8Array {
  return random(PASSKEY_PRF_SALT_LENGTH);
}

/** Wrap the root key for one passkey, given the PRF output it returned for `prfSalt`. */
export async function wrapRootKeyForPasskey(o: {
  rootKey: RootKey;
  prfOutput: Uint8Array;
  prfSalt: Uint8Array;
  repoId: string;
  credentialId: Uint8Array;
  backend?: CryptoBackend;
  random?: RandomSource;
}): Promise<PasskeyWrap> {
  const backend = o.backend ?? getDefaultBackend();
  if (o.prfSalt.length !== PASSKEY_PRF_SALT_LENGTH) throw new RangeError("prfSalt must be 32 bytes");
  const nonce = (o.random ?? platformRandom)(PASSKEY_NONCE_LENGTH);
  const key = await wrapKey(backend, o.prfOutput, o.prfSalt);
  const wrapped = await backend.aesGcmSeal(key, nonce, o.rootKey.unsafeBytes(), passkeyWrapAad(o.repoId, o.credentialId));
  key.fill(0);
  return { version: PASSKEY_WRAP_VERSION, credentialId: o.credentialId.slice(), prfSalt: o.prfSalt.slice(), nonce, wrapped };
}

/**
 * Open a wrap with the PRF output the passkey returned for its salt. IntegrityError
 * `auth_failed` when it does not open: another passkey's output, another repository, or
 * a modified object — the KCV then still tells a wrong root key apart (§3.3).
 */
export async function unwrapRootKeyWithPasskey(o: {
  wrap: PasskeyWrap;
  prfOutput: Uint8Array;
  repoId: string;
  backend?: CryptoBackend;
  objectName?: string;
}): Promise<RootKey> {
  const backend = o.backend ?? getDefaultBackend();
  const key = await wrapKey(backend, o.prfOutput, o.wrap.prfSalt);
  const pt = await backend.aesGcmOpen(key, o.wrap.nonce, o.wrap.wrapped, passkeyWrapAad(o.repoId, o.wrap.credentialId, o.wrap.version));
  key.fill(0);
  if (pt === null)
    throw new IntegrityError(
      "auth_failed",
      "this passkey's secret does not open the wrapped key (another passkey, another backup, or a modified object)",
      o.objectName,
    );
  return new RootKey(pt);
}

export function encodePasskeyWrap(w: PasskeyWrap): Uint8Array {
  checkCredentialId(w.credentialId);
  if (w.prfSalt.length !== PASSKEY_PRF_SALT_LENGTH || w.nonce.length !== PASSKEY_NONCE_LENGTH || w.wrapped.length !== WRAPPED_LENGTH) {
    throw new RangeError("passkey wrap fields have the wrong lengths");
  }
  return concatBytes(PASSKEY_MAGIC, Uint8Array.of(w.version, w.credentialId.length), w.credentialId, w.prfSalt, w.nonce, w.wrapped);
}

/** Parse a passkey key object (bytes the storage provider controls): every malformation is an IntegrityError. */
export function decodePasskeyWrap(bytes: Uint8Array, objectName?: string): PasskeyWrap {
  const bad = (reason: "too_short" | "bad_magic" | "unsupported_version" | "bad_structure" | "truncated" | "trailing_data", m: string) =>
    new IntegrityError(reason, `passkey key object: ${m}`, objectName);
  if (bytes.length < 6) throw bad("too_short", "shorter than its header");
  if (!equalBytes(bytes.subarray(0, 4), PASSKEY_MAGIC)) throw bad("bad_magic", "not a passkey key object");
  const version = bytes[4]!;
  if (version !== PASSKEY_WRAP_VERSION) throw bad("unsupported_version", `version ${version} is not supported`);
  const c = bytes[5]!;
  if (c === 0) throw bad("bad_structure", "empty credential ID");
  const total = 6 + c + PASSKEY_PRF_SALT_LENGTH + PASSKEY_NONCE_LENGTH + WRAPPED_LENGTH;
  if (bytes.length < total) throw bad("truncated", `${bytes.length} bytes, expected ${total}`);
  if (bytes.length > total) throw bad("trailing_data", `${bytes.length} bytes, expected ${total}`);
  let at = 6;
  const take = (n: number) => bytes.slice(at, (at += n));
  return { version, credentialId: take(c), prfSalt: take(PASSKEY_PRF_SALT_LENGTH), nonce: take(PASSKEY_NONCE_LENGTH), wrapped: take(WRAPPED_LENGTH) };
}

/** `keys/passkey-<first 16 bytes of SHA-256(UTF-8(PASSKEY_LABELS.objectName) ‖ credentialId), hex>`. */
export async function passkeyObjectName(credentialId: Uint8Array, backend: CryptoBackend = getDefaultBackend()): Promise<string> {
  checkCredentialId(credentialId);
  const h = await backend.sha256(concatBytes(utf8(PASSKEY_LABELS.objectName), credentialId));
  return PASSKEY_OBJECT_PREFIX + toHex(h.subarray(0, 16));
}
