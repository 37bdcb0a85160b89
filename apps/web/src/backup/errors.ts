/**
 * Errors in the user's words. Each typed error of the vault, the engine and the storage
 * says what happened and what the user can do; nothing here quotes a secret.
 */
import { IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import { RepositoryExistsError, RepositoryNotFoundError } from "@chatvault/sdk";
import { StorageError } from "@chatvault/storage";
import { DestroyedError, LockedError, NotEnabledError, UnauthorizedError, VaultError, VaultUnavailableError, WrongPasswordError } from "@chatvault/vault-protocol";
import { ApiError } from "../platform/api.ts";
import { lastAttemptWarning } from "./lock-texts.ts";

/** A problem the app found itself, already worded for the user. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserFacingError";
  }
}

export const TURNED_OFF_ELSEWHERE = "End-to-end encrypted backup was turned off on another device.";
export const REPLACED_ELSEWHERE = "End-to-end encrypted backup was set up again on another device, with a new password or key: this phone's key doesn't open that backup.";

export function attemptsText(n: number): string {
  return n === 1 ? "1 attempt left" : `${n} attempts left`;
}

/** "3 attempts left." — and at the last one, what the next wrong password does. */
export function attemptsSentence(n: number): string {
  return n === 1 ? `${attemptsText(1)}. ${lastAttemptWarning()}` : `${attemptsText(n)}.`;
}

/** A wrongly typed 64-digit key, in plain words (the codec speaks of hex digits and positions). */
function keyFormatText(e: KeyFormatError): string {
  const fix = "Check it against the key you saved.";
  if (e.position !== undefined) {
    const what = /^(.*) at position \d+/.exec(e.message)?.[1] ?? "A character";
    return `${what} (character ${e.position}) can't be part of the key: a 64-digit key has only the digits 0–9 and the letters a–f. ${fix}`;
  }
  const count = /^(\d+) digits?, expected 64$/.exec(e.message)?.[1];
  if (count !== undefined) return `That key has ${count} digit${count === "1" ? "" : "s"}; a key has 64. ${fix}`;
  return `That is not a 64-digit key. ${fix}`;
}

export function describeError(e: unknown): string {
  if (e instanceof UserFacingError || e instanceof ApiError) return e.message;
  if (e instanceof WrongPasswordError) {
    if (e.destroyed) return "Incorrect password. That was the last attempt: this backup can no longer be restored with a password.";
    if (e.retryAfter) return "Incorrect password. Too many incorrect attempts: you have to wait before trying again.";
    return `Incorrect password. ${attemptsSentence(e.attemptsRemaining ?? 0)}`;
  }
  if (e instanceof LockedError) return "Too many incorrect attempts. You have to wait before trying again.";
  if (e instanceof DestroyedError) return "This backup can no longer be restored with a password: after too many incorrect attempts its key was destroyed.";
  if (e instanceof NotEnabledError) return "There is no backup password for this account in the key vault (end-to-end encrypted backup was turned off).";
  if (e instanceof KeyFormatError) return keyFormatText(e);
  if (e instanceof RepositoryNotFoundError) return "There is no backup for this account any more: end-to-end encrypted backup was turned off on another device.";
  if (e instanceof RepositoryExistsError) return "This account already has a backup.";
  if (e instanceof WrongKeyError) return "This key doesn't open this backup.";
  if (e instanceof IntegrityError) {
    if (e.reason === "rollback") return "The backup in storage is older than the latest one this account made. It may have been rolled back; it was not restored.";
    return "The backup is damaged or was tampered with, so it was not used.";
  }
  if (e instanceof VaultUnavailableError) return "Can't reach the key vault. Check your connection and try again.";
  if (e instanceof UnauthorizedError) return "The server did not accept this phone's login. Log out and in again.";
  // The rest carry internals (URLs, codes, object names): the user gets what to do instead.
  if (e instanceof VaultError) return "The key vault refused the request. Try again; if it keeps happening, log out and in again.";
  if (e instanceof StorageError) {
    if (e.retryable) return "Can't reach the backup storage. Check your connection and try again.";
    return "The backup storage refused the request. Try again later.";
  }
  return "Something went wrong. Try again; if it keeps happening, reload the page.";
}
