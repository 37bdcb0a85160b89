/**
 * Every domain-separation label of the threshold vault (spec/threshold-vault.md §3).
 * One module, versioned names: a label never changes meaning; a new meaning gets a new label.
 */
export const REALM_LABELS = {
  /** Prefix of the OPRF input I (§3.2). */
  oprfInput: "chatvault/v1/realm/oprf-input",
  /** HKDF info prefix of a polynomial coefficient: ‖ name ‖ "/" ‖ u8(j) (§3.3). */
  polynomial: "chatvault/v1/realm/poly/",
  /** HKDF info of the unlock key UK (§3.5). */
  unlockKey: "chatvault/v1/realm/unlock-key",
  unlockTag: "chatvault/v1/realm/unlock-tag",
  unlockCheck: "chatvault/v1/realm/unlock-check",
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

/** Polynomial names (§3.3). */
export type PolynomialName = "oprf" | "wrap";
