/**
 * Domain-separation labels of the **vault client** trust domain: what a client derives
 * from the root key K or the password for a key vault — the wrapped root key's AAD and
 * the head proof of the single vault (spec/vault-protocol.md §3.3, §7.1), and every
 * derivation of the threshold realms (spec/threshold-vault.md §3). Each label is defined
 * here once and imported where used. The registry of every chatvault label, across the
 * three trust domains, is spec/backup-format.md §14 (`scripts/labels.test.ts` keeps it and
 * the modules equal). The vault wrap key's HKDF info is `LABELS.vaultWrap` in
 * `@chatvault/format`, pinned there by the key-schedule vectors.
 *
 * A label never changes meaning; a new meaning gets a new label.
 */

/** Start of the AAD of a wrapped root key (spec/vault-protocol.md §3.3). */
export const VAULT_RECORD_AAD_LABEL = "chatvault/v1/vault-record";
/** HKDF info of the head signing seed, IKM = K (spec/vault-protocol.md §7.1; the realms use it too, threshold §3.7). */
export const HEAD_SIGNING_LABEL = "chatvault/v1/vault-head-signing";
/** Start of a signed head message (spec/vault-protocol.md §7.1, threshold §5.7). */
export const HEAD_MESSAGE_LABEL = "chatvault/v1/vault-head";

/** The threshold vault's labels (spec/threshold-vault.md §3). */
export const REALM_LABELS = {
  /** Prefix of the OPRF input I (§3.2). */
  oprfInput: "chatvault/v1/realm/oprf-input",
  /** HKDF info prefix of a polynomial coefficient: ‖ name ‖ "/" ‖ u8(j) (§3.3). */
  polynomial: "chatvault/v1/realm/poly/",
  /** HKDF info of the unlock key UK (§3.5). */
  unlockKey: "chatvault/v1/realm/unlock-key",
  /** Prefix of a realm's unlock tag, an HMAC under UK (§3.5). */
  unlockTag: "chatvault/v1/realm/unlock-tag",
  /** Prefix of the unlock check, an HMAC under UK (§3.5). */
  unlockCheck: "chatvault/v1/realm/unlock-check",
  /** Prefix of a realm's share tag, an HMAC under UK (§3.5). */
  shareTag: "chatvault/v1/realm/share-tag",
  /** HKDF info of the wrap key WK (§3.6). */
  wrapKey: "chatvault/v1/realm/wrap-key",
  /** AAD prefix of the wrapped root key E (§3.6). */
  wrappedRootKey: "chatvault/v1/realm/wrapped-root-key",
  /** HKDF info of the admin signing seed (§3.7). */
  adminSigning: "chatvault/v1/realm/admin-signing",
  /** Prefix of a signed admin message (§5.6). */
  admin: "chatvault/v1/realm/admin",
} as const;

/** Polynomial names (spec/threshold-vault.md §3.3). */
export type PolynomialName = "oprf" | "wrap";
