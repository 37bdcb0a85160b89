/**
 * Domain-separation labels of the **backup repository** trust domain: everything derived
 * from, or authenticated under, the root key K (and the passkey wrap of K) that a storage
 * provider holds in ciphertext. Each label is defined here once and imported where used;
 * the registry of every chatvault label, across the three trust domains (this module,
 * `packages/vault-protocol/src/labels.ts` for what the client derives for the vault and
 * the realms, `packages/vault-server/src/labels.ts` for the vault's own secrets), is
 * spec/backup-format.md §14, and `scripts/labels.test.ts` keeps it and these modules equal.
 *
 * Changing a label changes the format: add a new versioned label instead and record it in
 * the spec's "Changes" section (§11).
 */

/** HKDF infos of the key schedule (spec §3.2), pinned by the `labels` vector of key-schedule.json. */
export const LABELS = {
  /** AES-256-GCM key sealing chunks (DB pages, media pieces). HKDF info, IKM = root key. */
  chunkEncryption: "chatvault/v1/chunk-encryption",
  /** HMAC-SHA256 key for chunk IDs (keyed, so storage cannot confirm known content). */
  chunkId: "chatvault/v1/chunk-id",
  /** Seed of the content-defined chunker's gear table. */
  chunkerGear: "chatvault/v1/chunker-gear",
  /** AES-256-GCM key for metadata: index, snapshot manifests, STREAM objects. */
  metadataEncryption: "chatvault/v1/metadata-encryption",
  /** HMAC key authenticating the local freshness (head) record in key mode. */
  headAuthentication: "chatvault/v1/head-authentication",
  /** HMAC key authenticating the repository config (chunker parameters, repository ID). */
  configAuthentication: "chatvault/v1/config-authentication",
  /** Key-check value: lets a wrong key fail as "wrong key", not "corrupted". */
  keyCheck: "chatvault/v1/key-check",
  /**
   * Vault wrapping key. Unlike the others its IKM is the OPAQUE export key, not the
   * root key: the vault stores the root key sealed under this and can never open it.
   */
  vaultWrap: "chatvault/v1/vault-wrap",
  /** Per-stream key derivation for the STREAM construction (salt = the stream's nonce). */
  streamPayload: "chatvault/v1/stream-payload",
} as const;

export type LabelName = keyof typeof LABELS;

/** Fixed HKDF salt for subkeys of the root key (RFC 5869 §3.1: a constant salt is fine for uniform IKM). */
export const ROOT_SALT = "chatvault/v1/root";

/**
 * Passkey mode (spec/backup-format.md §13): the HKDF info deriving the key that wraps the
 * root key from a passkey's WebAuthn PRF output (also the start of that wrap's AAD), and
 * the SHA-256 prefix naming a passkey key object.
 */
export const PASSKEY_LABELS = {
  wrap: "chatvault/v1/passkey-wrap",
  objectName: "chatvault/v1/passkey-object",
} as const;

/** Tag opening the v2 config MAC input (spec §8.2): a v2 input can never equal a v1 one (which opens with the number 1). */
export const CONFIG_MAC_TAG_V2 = "chatvault/v2/config";
/** Tag opening the v3 config MAC input (a realm set, §8.2.1; passkeys, §13): never equal to a v1 or v2 input. */
export const CONFIG_MAC_TAG_V3 = "chatvault/v3/config";

/** Prefix of the key-mode head record's HMAC input (spec §8.6), before `\n` repoId `\n` sequence `\n` digest. */
export const HEAD_RECORD_LABEL = "chatvault/v1/head";

/** Prefix of the SHA-256 input of a live database's fingerprint, a manifest's `source` (spec §8.5.2), before `\n`. */
export const DB_FINGERPRINT_LABEL = "chatvault/v1/db-fingerprint";
