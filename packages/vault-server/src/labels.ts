/**
 * Domain-separation labels of the **vault server** trust domain: the vault's own secrets
 * (spec/vault-protocol.md §10.3, §10.4, §6.4; the realm state at rest of
 * spec/threshold-vault.md §9). Subkeys of the record key, the sealed-secrets AAD and the
 * session-token MAC. They never leave the server, so they are not part of the backup
 * format; versioned anyway. Each is defined here once and imported where used. The
 * registry of every chatvault label, across the three trust domains, is
 * spec/backup-format.md §14 (`scripts/labels.test.ts` keeps it and the modules equal).
 */
export const SERVER_LABELS = {
  /** AAD of the sealed vault-secrets blob (OPAQUE server setup + record key). */
  vaultSecrets: "chatvault/v1/vault-server/secrets",
  /** HKDF info: AES-256-GCM key sealing vault records at rest. */
  recordAtRest: "chatvault/v1/vault-server/record-at-rest",
  /** HKDF info: AES-256-GCM key sealing server login states between KE2 and KE3. */
  loginState: "chatvault/v1/vault-server/login-state",
  /** HKDF info: HMAC-SHA256 key of session tokens. */
  sessionToken: "chatvault/v1/vault-server/session-token",
  /** Start of a session token's MAC input, under the session-token key (spec §6.4). */
  sessionTokenMac: "chatvault/v1/vault-session",
  /** HKDF info: HMAC-SHA256 key authenticating each record row's policy state (spec §10.4). */
  recordState: "chatvault/v1/vault-server/record-state",
  /** HKDF info: AES-256 key of the stateless login IDs given to unknown accounts (spec §5.4). */
  fakeLogin: "chatvault/v1/vault-server/fake-login",
  /** HKDF info: HMAC-SHA256 key choosing an account's first record version (spec §5.1). */
  firstVersion: "chatvault/v1/vault-server/first-version",
  /** HKDF info: fingerprint of a key-file KEK (identifies it in error messages; reveals nothing). */
  kekFingerprint: "chatvault/v1/vault-server/kek-fingerprint",
  /** HKDF info: AES-256-GCM key sealing the secret parts of realm registrations (spec/threshold-vault.md, realm state at rest). */
  realmRegistrationAtRest: "chatvault/v1/vault-server/realm/registration-at-rest",
  /** HKDF info: HMAC-SHA256 key binding a realm account's whole state (counters, lock, registrations, head, tombstone). */
  realmStateMac: "chatvault/v1/vault-server/realm/state-mac",
  /** HKDF info: HMAC-SHA256 key binding a realm's pending-attempt rows. */
  realmAttemptMac: "chatvault/v1/vault-server/realm/attempt-mac",
} as const;
