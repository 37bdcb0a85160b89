/**
 * Building the per-realm Registration bodies (spec/threshold-vault.md §4).
 * `newRegistration` draws rid, salt and the wrap nonce, stretches the password and computes
 * O = VOPRF-Evaluate(k, I) with the full key k (which exists only here, on the client, and is
 * dropped after). `registrationsFor` rebuilds every realm's body from K, O and the public
 * parameters, bit for bit (repair, §6.5).
 */
import {
  RootKey,
  concatBytes,
  fromBase64Url,
  getDefaultBackend,
  platformRandom,
  toBase64Url,
  utf8,
  type CryptoBackend,
  type RandomSource,
} from "@chatvault/format";
import { deriveHeadSigningKey } from "../head-proof.ts";
import {
  OPRF_OUTPUT_BYTES,
  REGISTRATION_ID_BYTES,
  adminPublicKeyOf,
  deriveAdminSeed,
  deriveShares,
  deriveUnlockKey,
  deriveWrapKey,
  oprfInput,
  shareTag,
  unlockCheck,
  unlockTag,
  voprfEvaluate,
  wrappedRootKeyAad,
} from "./derive.ts";
import { REALM_SALT_BYTES, defaultArgon2id, stretchPassword, type Argon2idFunction } from "./ksf.ts";
import { checkRealmSet, type RealmSet } from "./realm-set.ts";
import { scalarToBytes } from "./shamir.ts";
import type { RealmKsf, Registration } from "./wire.ts";

export const WRAP_NONCE_BYTES = 12;
export const WRAPPED_ROOT_KEY_BYTES = 60;

/** Everything public that, with K and O, determines a registration (§4). */
export interface RegistrationParams {
  accountId: string;
  realmSet: RealmSet;
  version: number;
  registrationId: Uint8Array;
  salt: Uint8Array;
  ksf: RealmKsf;
}

/** Rebuild every realm's Registration from K, O and the params; `wrappedRootKey` is E (60 bytes) as stored. */
export function registrationsFor(rootKey: RootKey, output: Uint8Array, params: RegistrationParams, wrappedRootKey: Uint8Array): Registration[] {
  checkRealmSet(params.realmSet);
  if (!Number.isInteger(params.version) || params.version < 1 || params.version > 0xffffffff) throw new RangeError("version must be in [1, 2^32-1]");
  if (wrappedRootKey.length !== WRAPPED_ROOT_KEY_BYTES) throw new TypeError("wrapped root key must be 60 bytes");
  const t = params.realmSet.threshold;
  const n = params.realmSet.realms.length;
  const K = rootKey.unsafeBytes();
  const shares = deriveShares(K, params.registrationId, t, n);
  if (!shares) throw new RangeError("this registrationId gives a zero coefficient or share; draw another (§3.3)");
  const uk = deriveUnlockKey(output, params.registrationId);
  const check = unlockCheck(uk, params.accountId, params.version);
  const headPublicKey = deriveHeadSigningKey(K).publicKey;
  const adminPublicKey = adminPublicKeyOf(deriveAdminSeed(K));
  const rid = toBase64Url(params.registrationId);
  return params.realmSet.realms.map((realm, pos) => {
    const s = shares.shares[pos]!;
    const realmId = fromBase64Url(realm.id);
    const z = scalarToBytes(s.z);
    return {
      version: params.version,
      registrationId: rid,
      shareIndex: s.index,
      threshold: t,
      realmCount: n,
      realmId: realm.id,
      salt: toBase64Url(params.salt),
      ksf: { memoryKiB: params.ksf.memoryKiB, iterations: params.ksf.iterations, parallelism: params.ksf.parallelism },
      oprfKeyShare: toBase64Url(scalarToBytes(s.k)),
      oprfPublicShare: toBase64Url(s.publicShare),
      unlockTag: toBase64Url(unlockTag(uk, realmId, params.accountId, params.version)),
      unlockCheck: toBase64Url(check),
      wrapShare: toBase64Url(z),
      shareTag: toBase64Url(shareTag(uk, realmId, s.index, z, params.version)),
      wrappedRootKey: toBase64Url(wrappedRootKey),
      headPublicKey: toBase64Url(headPublicKey),
      adminPublicKey: toBase64Url(adminPublicKey),
    };
  });
}

export interface NewRegistrationInput {
  /** NFC-normalised password. */
  password: string;
  rootKey: RootKey;
  accountId: string;
  realmSet: RealmSet;
  version: number;
  ksf: RealmKsf;
  argon2?: Argon2idFunction;
  random?: RandomSource;
  backend?: CryptoBackend;
}

export interface NewRegistration {
  params: RegistrationParams;
  /** O (64 bytes): secret, the caller drops it after use. */
  output: Uint8Array;
  wrappedRootKey: Uint8Array;
  registrations: Registration[];
}

/** §4 steps 1–8 for a fresh registration (enable, change password). */
export async function newRegistration(input: NewRegistrationInput): Promise<NewRegistration> {
  checkRealmSet(input.realmSet);
  const random = input.random ?? platformRandom;
  const backend = input.backend ?? getDefaultBackend();
  const K = input.rootKey.unsafeBytes();
  let rid = random(REGISTRATION_ID_BYTES);
  // A zero coefficient or share has probability ~2^-250; redraw rid rather than special-case (§3.3).
  while (!deriveShares(K, rid, input.realmSet.threshold, input.realmSet.realms.length)) rid = random(REGISTRATION_ID_BYTES);
  const salt = random(REALM_SALT_BYTES);
  const stretched = await stretchPassword(
    utf8(input.password.normalize("NFC")),
    salt,
    { algorithm: "argon2id", ...input.ksf },
    input.argon2 ?? defaultArgon2id,
  );
  const shares = deriveShares(K, rid, input.realmSet.threshold, input.realmSet.realms.length)!;
  const output = voprfEvaluate(scalarToBytes(shares.k), oprfInput(input.accountId, stretched));
  if (output.length !== OPRF_OUTPUT_BYTES) throw new Error("unexpected OPRF output length");
  const params: RegistrationParams = {
    accountId: input.accountId,
    realmSet: input.realmSet,
    version: input.version,
    registrationId: rid,
    salt,
    ksf: input.ksf,
  };
  const wrappedRootKey = await wrapRootKeyForRealms(input.rootKey, output, shares.z, params, random(WRAP_NONCE_BYTES), backend);
  return { params, output, wrappedRootKey, registrations: registrationsFor(input.rootKey, output, params, wrappedRootKey) };
}

/** §3.6: E = nonce ‖ AES-256-GCM(WK, nonce, K, aad). */
export async function wrapRootKeyForRealms(
  rootKey: RootKey,
  output: Uint8Array,
  z: bigint,
  params: Pick<RegistrationParams, "accountId" | "registrationId" | "version">,
  nonce: Uint8Array,
  backend: CryptoBackend = getDefaultBackend(),
): Promise<Uint8Array> {
  if (nonce.length !== WRAP_NONCE_BYTES) throw new TypeError("nonce must be 12 bytes");
  const wk = deriveWrapKey(output, z, params.registrationId);
  const ct = await backend.aesGcmSeal(wk, nonce, rootKey.unsafeBytes(), wrappedRootKeyAad(params.accountId, params.registrationId, params.version));
  wk.fill(0);
  return concatBytes(nonce, ct);
}

/** Open E; `null` when it does not authenticate (wrong WK, or E tampered with). */
export async function openWrappedRootKey(
  e: Uint8Array,
  output: Uint8Array,
  z: bigint,
  params: Pick<RegistrationParams, "accountId" | "registrationId" | "version">,
  backend: CryptoBackend = getDefaultBackend(),
): Promise<RootKey | null> {
  if (e.length !== WRAPPED_ROOT_KEY_BYTES) return null;
  const wk = deriveWrapKey(output, z, params.registrationId);
  const pt = await backend.aesGcmOpen(
    wk,
    e.subarray(0, WRAP_NONCE_BYTES),
    e.subarray(WRAP_NONCE_BYTES),
    wrappedRootKeyAad(params.accountId, params.registrationId, params.version),
  );
  wk.fill(0);
  return pt === null ? null : new RootKey(pt);
}
