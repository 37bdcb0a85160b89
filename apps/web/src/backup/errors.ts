/**
 * Errors in the user's words. Each typed error of the vault, the engine and the storage
 * says what happened and what the user can do; nothing here quotes a secret.
 */
import { IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import { StorageError } from "@chatvault/storage";
import { DestroyedError, LockedError, NotEnabledError, UnauthorizedError, VaultError, VaultUnavailableError, WrongPasswordError } from "@chatvault/vault-protocol";
import { ApiError } from "../platform/api.ts";

/** A problem the app found itself, already worded for the user. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserFacingError";
  }
}

export function attemptsText(n: number): string {
  return n === 1 ? "1 attempt left" : `${n} attempts left`;
}

export function describeError(e: unknown): string {
  if (e instanceof UserFacingError || e instanceof ApiError) return e.message;
  if (e instanceof WrongPasswordError) {
    if (e.destroyed) return "Incorrect password. That was the last attempt: this backup can no longer be restored with a password.";
    if (e.retryAfter) return "Incorrect password. Too many incorrect attempts: you have to wait before trying again.";
    return `Incorrect password. ${attemptsText(e.attemptsRemaining ?? 0)}.`;
  }
  if (e instanceof LockedError) return "Too many incorrect attempts. You have to wait before trying again.";
  if (e instanceof DestroyedError) return "This backup can no longer be restored with a password: after too many incorrect attempts its key was destroyed.";
  if (e instanceof NotEnabledError) return "There is no backup password for this account in the key vault (end-to-end encrypted backup was turned off).";
  if (e instanceof KeyFormatError) return `That is not a 64-digit key: ${e.message}.`;
  if (e instanceof WrongKeyError) return "This key doesn't open this backup.";
  if (e instanceof IntegrityError) {
    if (e.reason === "rollback") return "The backup in storage is older than the latest one this account made. It may have been rolled back; it was not restored.";
    return "The backup is damaged or was tampered with, so it was not used.";
  }
  if (e instanceof VaultUnavailableError) return "Can't reach the key vault. Check your connection and try again.";
  if (e instanceof UnauthorizedError) return "The server did not accept this phone's login. Log out and in again.";
  if (e instanceof VaultError) return `The key vault refused: ${e.message}`;
  if (e instanceof StorageError) {
    if (e.retryable) return "Can't reach the backup storage. Check your connection and try again.";
    return `The backup storage refused: ${e.message}`;
  }
  return e instanceof Error ? `Something went wrong: ${e.message}` : "Something went wrong.";
}
