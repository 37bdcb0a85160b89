/**
 * Every domain-separation label chatvault uses, versioned, in one place
 * (spec/backup-format.md §3 "Key schedule"). Changing a label changes the format:
 * add a new versioned label instead and record it in the spec's "Changes" section.
 */
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
 * root key from a passkey's WebAuthn PRF output, and the start of that wrap's AAD.
 */
export const PASSKEY_LABELS = {
  wrap: "chatvault/v1/passkey-wrap",
  objectName: "chatvault/v1/passkey-object",
} as const;
