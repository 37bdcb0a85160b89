/**
 * Errors in the user's words. Each typed error of the vault, the engine and the storage
 * says what happened and what the user can do (the SDK's failure table); nothing here
 * quotes a secret.
 */
import { type Failure, describeFailure } from "@chatvault/sdk";
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
export const REPLACED_ELSEWHERE =
  "End-to-end encrypted backup was set up again on another device, with a new password or key: this phone's key doesn't open that backup.";

export function attemptsText(n: number): string {
  return n === 1 ? "1 attempt left" : `${n} attempts left`;
}

/** "3 attempts left." — and at the last one, what the next wrong password does. */
export function attemptsSentence(n: number): string {
  return n === 1 ? `${attemptsText(1)}. ${lastAttemptWarning()}` : `${attemptsText(n)}.`;
}

/** A sentence from the SDK's words: capital first letter, final stop. */
function sentence(words: string): string {
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}

/**
 * A wrongly typed 64-digit key, in plain words. Never the character itself: it may be a
 * digit of the real key in the wrong place, or part of something else pasted (the SDK
 * gives only its position, as the CLI says it).
 */
function keyFormatText(f: Failure): string {
  const fix = "Check it against the key you saved.";
  if (f.keyPosition !== undefined) {
    return `The character at position ${f.keyPosition} can't be part of the key: a 64-digit key has only the digits 0–9 and the letters a–f. ${fix}`;
  }
  if (f.keyDigits !== undefined) return `That key has ${f.keyDigits} digit${f.keyDigits === 1 ? "" : "s"}; a key has 64. ${fix}`;
  return `That is not a 64-digit key. ${fix}`;
}

/**
 * What the user reads for any error. Which failure it is comes from the SDK's table
 * (`describeFailure`, shared with the CLI); this words it for the phone. The messages the
 * libraries carry (URLs, codes, object names) are never shown.
 */
export function describeError(e: unknown): string {
  if (e instanceof UserFacingError || e instanceof ApiError) return e.message;
  const f = describeFailure(e);
  switch (f.code) {
    case "destroyed":
      return f.byWrongPassword
        ? "Incorrect password. That was the last attempt: this backup can no longer be restored with a password."
        : "This backup can no longer be restored with a password: after too many incorrect attempts its key was destroyed.";
    case "locked":
      return f.byWrongPassword
        ? "Incorrect password. Too many incorrect attempts: you have to wait before trying again."
        : "Too many incorrect attempts. You have to wait before trying again.";
    case "wrong_password":
      return `Incorrect password. ${attemptsSentence(f.attemptsRemaining ?? 0)}`;
    case "not_enabled":
      return "There is no backup password for this account in the key vault (end-to-end encrypted backup was turned off).";
    case "key_format":
      return keyFormatText(f);
    case "repository_not_found":
      return "There is no backup for this account any more: end-to-end encrypted backup was turned off on another device.";
    case "repository_exists":
      return "This account already has a backup.";
    case "wrong_key":
      return "This key doesn't open this backup.";
    case "integrity":
      if (f.integrity?.kind === "rollback")
        return "The backup in storage is older than the latest one this account made. It may have been rolled back; it was not restored.";
      return "The backup is damaged or was tampered with, so it was not used.";
    case "vault_unreachable":
      return "Can't reach the key vault. Check your connection and try again.";
    case "unauthorized":
      return "The server did not accept this phone's login. Log out and in again.";
    case "realms_unavailable":
      return "Too few of the key vaults that hold your key answered. Check your connection and try again later.";
    case "realm_misbehaved":
      return "One of the key vaults that hold your key gave a wrong answer, and too few others answered. Try again later.";
    case "vault_error":
      return "The key vault refused the request. Try again; if it keeps happening, log out and in again.";
    case "storage_unreachable":
      return "Can't reach the backup storage. Check your connection and try again.";
    case "storage_refused":
      return "The backup storage refused the request. Try again later.";
    case "unexpected":
      return "Something went wrong. Try again; if it keeps happening, reload the page.";
    default:
      return `${sentence(f.facts.happened)} ${sentence(f.facts.todo)}`;
  }
}
