/**
 * Wrapping the root key under the OPAQUE export key (spec/vault-protocol.md §3.3).
 *
 *   wrapKey = HKDF-SHA256(IKM = export key, salt = UTF-8(ROOT_SALT), info = UTF-8(LABELS.vaultWrap), L = 32)
 *   AAD     = UTF-8(VAULT_RECORD_AAD_LABEL) ‖ 0x00 ‖ u32be(len(accountId)) ‖ UTF-8(accountId) ‖ u32be(recordVersion)
 *   wrapped = AES-256-GCM(wrapKey, nonce (12 random bytes), rootKey (32 bytes), AAD) → 48 bytes
 *
 * The vault stores `wrapped` but never sees the export key, so it can never unwrap K.
 */
import {
  LABELS,
  ROOT_SALT,
  RootKey,
  Secret,
  concatBytes,
  fromBase64Url,
  getDefaultBackend,
  platformRandom,
  toBase64Url,
  utf8,
  writeU32BE,
  type CryptoBackend,
  type RandomSource,
} from "@chatvault/format";
import { RecordCorruptedError } from "./errors.ts";
import { checkAccountId } from "./account-id.ts";
import { VAULT_RECORD_AAD_LABEL } from "./labels.ts";
import type { WrappedRootKey } from "./wire.ts";

export const WRAP_NONCE_LENGTH = 12;
export const WRAPPED_KEY_LENGTH = RootKey.LENGTH + 16;

/** The AAD binding a wrapped root key to its account and record version. */
export function vaultRecordAad(accountId: string, recordVersion: number): Uint8Array {
  checkAccountId(accountId);
  if (!Number.isInteger(recordVersion) || recordVersion < 1 || recordVersion > 0xffffffff) {
    throw new RangeError("recordVersion must be an integer in [1, 2^32-1]");
  }
  const id = utf8(accountId);
  const lens = new Uint8Array(4);
  writeU32BE(lens, 0, id.length);
  const ver = new Uint8Array(4);
  writeU32BE(ver, 0, recordVersion);
  return concatBytes(utf8(VAULT_RECORD_AAD_LABEL), Uint8Array.of(0), lens, id, ver);
}

/** HKDF the 32-byte wrapping key from the OPAQUE export key. */
export async function deriveWrapKey(exportKey: Uint8Array, backend: CryptoBackend = getDefaultBackend()): Promise<Secret> {
  if (!(exportKey instanceof Uint8Array) || exportKey.length < 32) throw new TypeError("exportKey must be at least 32 bytes");
  return new Secret(await backend.hkdf(exportKey, utf8(ROOT_SALT), utf8(LABELS.vaultWrap), 32));
}

export interface WrapOptions {
  backend?: CryptoBackend;
  random?: RandomSource;
}

/** Seal the root key for the vault. */
export async function wrapRootKey(
  rootKey: RootKey,
  exportKey: Uint8Array,
  accountId: string,
  recordVersion: number,
  options: WrapOptions = {},
): Promise<WrappedRootKey> {
  const backend = options.backend ?? getDefaultBackend();
  const wk = await deriveWrapKey(exportKey, backend);
  const nonce = (options.random ?? platformRandom)(WRAP_NONCE_LENGTH);
  const ct = await backend.aesGcmSeal(wk.unsafeBytes(), nonce, rootKey.unsafeBytes(), vaultRecordAad(accountId, recordVersion));
  wk.wipe();
  return { nonce: toBase64Url(nonce), ciphertext: toBase64Url(ct) };
}

/** Open a wrapped root key; a failure after a successful login means the record was tampered with. */
export async function unwrapRootKey(
  wrapped: WrappedRootKey,
  exportKey: Uint8Array,
  accountId: string,
  recordVersion: number,
  backend: CryptoBackend = getDefaultBackend(),
): Promise<RootKey> {
  let nonce: Uint8Array;
  let ct: Uint8Array;
  try {
    nonce = fromBase64Url(wrapped.nonce);
    ct = fromBase64Url(wrapped.ciphertext);
  } catch (cause) {
    throw new RecordCorruptedError(cause);
  }
  if (nonce.length !== WRAP_NONCE_LENGTH || ct.length !== WRAPPED_KEY_LENGTH) throw new RecordCorruptedError();
  const wk = await deriveWrapKey(exportKey, backend);
  const pt = await backend.aesGcmOpen(wk.unsafeBytes(), nonce, ct, vaultRecordAad(accountId, recordVersion));
  wk.wipe();
  if (pt === null) throw new RecordCorruptedError();
  return new RootKey(pt);
}
