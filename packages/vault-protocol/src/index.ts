/**
 * @chatvault/vault-protocol — the Backup Key Vault's wire protocol and client
 * (spec/vault-protocol.md). Browser-safe: imports nothing from Node.
 */
export * from "./wire.ts";
export * from "./error-codes.ts";
export {
  VaultError,
  WrongPasswordError,
  LockedError,
  DestroyedError,
  NotEnabledError,
  AlreadyEnabledError,
  VaultUnavailableError,
  UnauthorizedError,
  RateLimitedError,
  HeadConflictError,
  RecordCorruptedError,
  VaultProtocolError,
  VaultRequestError,
  errorFromResponse,
  type VaultErrorOptions,
} from "./errors.ts";
export {
  DEFAULT_KEY_STRETCHING,
  TEST_ONLY_WEAK_KEY_STRETCHING,
  KEY_STRETCHING_LIMITS,
  keyStretchingProblem,
  meetsDefaultStrength,
  sameKeyStretching,
  toOpaqueKeyStretching,
} from "./key-stretching.ts";
export {
  FIELD_BYTES,
  DIGEST_BYTES,
  DIGEST_PATTERN,
  SESSION_TOKEN_PATTERN,
  ACCOUNT_ID_MAX_LENGTH,
  base64UrlLength,
  base64UrlPattern,
  isValidAccountId,
  accountIdProblem,
  checkAccountId,
  decodeDigest,
  type FixedField,
} from "./codecs.ts";
export { HEAD_PUBLIC_KEY_BYTES, HEAD_SIGNATURE_BYTES, deriveHeadSigningKey, headMessage, verifyHeadSignature, type HeadSigningKey } from "./head-proof.ts";
export { HEAD_MESSAGE_LABEL, HEAD_SIGNING_LABEL, VAULT_RECORD_AAD_LABEL } from "./labels.ts";
export { WRAP_NONCE_LENGTH, WRAPPED_KEY_LENGTH, vaultRecordAad, deriveWrapKey, wrapRootKey, unwrapRootKey } from "./wrap.ts";
export { VaultTransport, type VaultTransportOptions, type TokenProvider, type FetchLike, type FetchAnswer } from "./transport.ts";
export { accountIdFromToken, normalizePassword } from "./context.ts";
export { VaultClient, type VaultClientOptions } from "./client.ts";
export type { EnableResult } from "./operations/enable.ts";
export type { UnlockResult } from "./operations/unlock.ts";
export type { ChangePasswordResult } from "./operations/change-password.ts";
export type { HeadUpdate } from "./operations/head.ts";
export {
  ATTEMPT_EVENT_OUTCOMES,
  ATTEMPT_HISTORY_LIMITS,
  parseAttemptHistory,
  summarizeAttemptHistory,
  describeAttemptSummary,
  type AttemptEvent,
  type AttemptEventOutcome,
  type AttemptHistory,
  type AttemptHistorySummary,
} from "./attempt-history.ts";
export { DEFAULT_LOCK_SCHEDULE, lockWaits, describeLockWait } from "./lock-schedule.ts";
