/**
 * Stable error codes of the vault protocol and the HTTP status each travels with
 * (spec/vault-protocol.md §8). Codes never change meaning; new ones are added in
 * the spec's "Changes" section.
 */
export const VAULT_ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  session_invalid: 403,
  login_failed: 403,
  head_signature_invalid: 403,
  not_found: 404,
  not_enabled: 404,
  already_enabled: 409,
  record_changed: 409,
  login_expired: 409,
  head_conflict: 409,
  head_key_conflict: 409,
  destroyed: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked: 423,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type VaultErrorCode = keyof typeof VAULT_ERROR_STATUS;

/** Codes that only the client produces (they never travel on the wire). */
export type ClientErrorCode = "wrong_password" | "record_corrupted" | "protocol";

export function isVaultErrorCode(code: unknown): code is VaultErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(VAULT_ERROR_STATUS, code);
}
