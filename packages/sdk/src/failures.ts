/**
 * One table of what each failure means, for every front end (the CLI, the web app, an
 * embedding app): a stable code → what happened, what the user can do, whether retrying
 * helps, and the category a command line turns into an exit code. `describeFailure`
 * decides which entry an error is, in one order (a missing backup folder is an unmounted
 * drive, not "no backup here"; a wrong password that spent the last attempt is
 * "destroyed"), and lifts the facts a front end may show. Front ends only word them.
 *
 * Secrets: nothing here quotes one. A mistyped 64-digit key is told by the position of the
 * first bad character and the number of digits, never the character itself — it may be a
 * digit of the real key typed in the wrong place, or part of something else pasted.
 */
import { IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import { StorageError } from "@chatvault/storage";
import {
  AlreadyEnabledError,
  DestroyedError,
  HeadConflictError,
  LockedError,
  NotEnabledError,
  RateLimitedError,
  RecordCorruptedError,
  UnauthorizedError,
  VaultError,
  VaultUnavailableError,
  WrongPasswordError,
} from "@chatvault/vault-protocol";
import { RealmMisbehavedError, RealmsUnavailableError } from "@chatvault/vault-protocol/threshold";
import {
  CancelledError,
  LocalFileError,
  type LocalProblem,
  LockLostError,
  RepositoryExistsError,
  RepositoryLockedError,
  RepositoryNotFoundError,
  RestoreTargetExistsError,
  SnapshotNotFoundError,
  SourceError,
  StorageFolderMissingError,
} from "./errors.ts";

/**
 * What kind of failure it is, for a caller that acts differently on each (the CLI maps
 * each to one exit code, docs/cli.md "Exit codes").
 */
export type FailureCategory =
  | "usage"
  | "wrong_secret"
  | "locked"
  | "destroyed"
  | "integrity"
  | "storage_unreachable"
  | "vault_unreachable"
  | "target_exists"
  | "not_found"
  | "unauthorized"
  | "no_space"
  | "not_permitted"
  | "io_error"
  | "busy"
  | "cancelled"
  | "other";

/**
 * Whether trying again helps: `yes` as it is (a network or a busy server), `after_wait`
 * once a time has passed (`retryAfter` when known), `after_fix` once the user changed
 * something (another password, a free disk, a mounted drive), `no` never.
 */
export type RetryAdvice = "yes" | "after_wait" | "after_fix" | "no";

export interface FailureFacts {
  readonly category: FailureCategory;
  readonly retry: RetryAdvice;
  /** What happened, in plain words, lower case, no final stop. */
  readonly happened: string;
  /** What the user can do, in plain words, lower case, no final stop. */
  readonly todo: string;
}

const f = (category: FailureCategory, retry: RetryAdvice, happened: string, todo: string): FailureFacts => ({ category, retry, happened, todo });

/** Every failure a front end words, by its stable code. */
export const FAILURES = {
  wrong_password: f("wrong_secret", "after_fix", "the password is wrong", "try again with the right password: attempts are limited"),
  locked: f("locked", "after_wait", "too many wrong passwords: the vault waits before it takes another", "try again after the wait"),
  destroyed: f(
    "destroyed",
    "no",
    "the vault destroyed the key after too many wrong passwords",
    "nothing: no one can restore this backup with a password any more",
  ),
  not_enabled: f("not_found", "no", "the vault holds no key for this account: password protection is off", "restore with the 64-digit key, if you kept it"),
  already_enabled: f("target_exists", "no", "password protection is already on for this account", "change the password instead"),
  unauthorized: f("unauthorized", "after_fix", "the key vault refused the account's login", "log in again"),
  rate_limited: f("vault_unreachable", "after_wait", "the key vault is busy", "try again later"),
  vault_unreachable: f("vault_unreachable", "yes", "the key vault cannot be reached", "check the connection and try again"),
  realms_unavailable: f("vault_unreachable", "yes", "too few of the realms holding the key answered", "try again when they are back"),
  realm_misbehaved: f("integrity", "no", "a realm holding part of the key misbehaved and too few honest realms remain", "tell that realm's operator"),
  head_conflict: f(
    "integrity",
    "no",
    "the vault records a newer backup than the storage offers",
    "check whether another device backed up, or the storage was rolled back",
  ),
  record_corrupted: f("integrity", "no", "the vault's record for this account is damaged", "tell the vault's operator"),
  vault_error: f("other", "no", "the key vault refused the request", "try again; if it keeps happening, log in again"),
  wrong_key: f("wrong_secret", "after_fix", "this key does not open this backup", "check it against the key you saved"),
  key_format: f("usage", "after_fix", "that is not a 64-digit key", "check it against the key you saved"),
  integrity: f(
    "integrity",
    "no",
    "the backup is damaged, incomplete, rolled back or was tampered with, so it was not used",
    "run a check of the whole backup; an older snapshot may still restore",
  ),
  storage_unreachable: f("storage_unreachable", "yes", "the backup storage cannot be reached", "check the location and the connection, then try again"),
  storage_refused: f(
    "storage_unreachable",
    "after_fix",
    "the backup storage refused the request",
    "check the storage's settings and permissions, then try again",
  ),
  repository_not_found: f("not_found", "no", "there is no backup at this location", "check the location, or make a new backup"),
  repository_exists: f("target_exists", "no", "a backup already exists at this location", "use that backup, or choose another location"),
  snapshot_not_found: f("not_found", "after_fix", "no snapshot matches that name", "list the snapshots and pick one"),
  target_exists: f("target_exists", "after_fix", "the restore would replace files that exist", "choose another folder, or allow replacing them"),
  source: f("usage", "after_fix", "what was to be backed up cannot be read as a chat database or media folder", "check the paths given"),
  repository_locked: f("busy", "after_wait", "another backup, prune or restore is using the backup", "try again when it is done"),
  lock_lost: f("busy", "yes", "this operation lost its lock on the backup and stopped before changing anything more", "run it again"),
  cancelled: f("cancelled", "yes", "cancelled", "run it again when you want; the previous backup is untouched"),
  no_space: f("no_space", "after_fix", "a disk is full", "free space there, then try again"),
  permission_denied: f("not_permitted", "after_fix", "permission denied on a local file or folder", "fix its permissions, or choose another place"),
  read_only: f("not_permitted", "after_fix", "a local file system is read-only", "choose a writable place"),
  not_found: f("usage", "after_fix", "a local file or folder does not exist", "check the path"),
  not_a_folder: f("usage", "after_fix", "a path that should be a folder is not one", "check the path"),
  is_a_file: f("usage", "after_fix", "a file is where a folder should be", "check the path"),
  is_a_folder: f("usage", "after_fix", "a folder is where a file should be", "check the path"),
  io_error: f("io_error", "after_fix", "the disk reported an input/output error", "check the disk"),
  local_error: f("other", "after_fix", "a local file operation failed", "check the path and try again"),
  unexpected: f("other", "yes", "something went wrong", "try again; if it keeps happening, report it"),
} as const satisfies Record<string, FailureFacts>;

export type FailureCode = keyof typeof FAILURES;

/** What an integrity failure means for a script: the stored data was rolled back, is corrupted, missing, or too new for this client. */
export type IntegrityKind = "rollback" | "corruption" | "missing" | "unsupported";

export function integrityKind(reason: string): IntegrityKind {
  if (reason === "rollback") return "rollback";
  if (reason === "missing_object") return "missing";
  if (reason === "unsupported_version") return "unsupported";
  return "corruption";
}

/** One failure, classified: its code and facts, and the details a front end may show (never a secret). */
export interface Failure {
  code: FailureCode;
  facts: FailureFacts;
  /** The error it was made from, for details a front end words itself (a lock's holder, a realm's URL). */
  error: unknown;
  /** `wrong_password`: attempts left before the vault waits. */
  attemptsRemaining?: number;
  /** `locked`, `rate_limited`: when trying again helps. */
  retryAfter?: Date;
  /** `locked` and `destroyed`: true when a wrong password just caused it. */
  byWrongPassword?: boolean;
  /** `key_format`: 1-based position of the first character that is not a digit (the character is never given). */
  keyPosition?: number;
  /** `key_format`: how many digits the text holds, when that is what is wrong. */
  keyDigits?: number;
  /** `integrity`: the check that failed (`IntegrityError.reason`) and what it means. */
  integrity?: { reason: string; kind: IntegrityKind; objectId?: string };
}

const LOCAL_CODES: Record<LocalProblem, FailureCode> = {
  no_space: "no_space",
  permission_denied: "permission_denied",
  read_only: "read_only",
  not_found: "not_found",
  not_a_folder: "not_a_folder",
  is_a_file: "is_a_file",
  is_a_folder: "is_a_folder",
  io_error: "io_error",
  other: "local_error",
};

/** AWS SDK error names that mean the storage is misconfigured, not away (the S3 client passes them through). */
const STORAGE_REFUSALS = new Set(["CredentialsProviderError", "AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch"]);

/** Classify any error thrown by the libraries (see the file comment). */
export function describeFailure(e: unknown): Failure {
  const is = (code: FailureCode, extra: Omit<Failure, "code" | "facts" | "error"> = {}): Failure => ({ code, facts: FAILURES[code], error: e, ...extra });
  if (e instanceof RealmsUnavailableError) return is("realms_unavailable");
  if (e instanceof RealmMisbehavedError) return is("realm_misbehaved");
  if (e instanceof WrongPasswordError) {
    if (e.destroyed) return is("destroyed", { byWrongPassword: true });
    // The attempt that starts the lock already is "locked": the next try waits either way.
    if (e.retryAfter) return is("locked", { byWrongPassword: true, retryAfter: e.retryAfter });
    return is("wrong_password", { attemptsRemaining: e.attemptsRemaining ?? 0 });
  }
  if (e instanceof LockedError) return is("locked", { retryAfter: e.retryAfter });
  if (e instanceof DestroyedError) return is("destroyed");
  if (e instanceof NotEnabledError) return is("not_enabled");
  if (e instanceof AlreadyEnabledError) return is("already_enabled");
  if (e instanceof UnauthorizedError) return is("unauthorized");
  if (e instanceof RateLimitedError) return is("rate_limited", e.retryAfter ? { retryAfter: e.retryAfter } : {});
  if (e instanceof VaultUnavailableError) return is("vault_unreachable");
  if (e instanceof HeadConflictError) return is("head_conflict");
  if (e instanceof RecordCorruptedError) return is("record_corrupted");
  if (e instanceof VaultError) return is("vault_error");
  if (e instanceof WrongKeyError) return is("wrong_key");
  if (e instanceof KeyFormatError) {
    if (e.position !== undefined) return is("key_format", { keyPosition: e.position });
    const digits = /^(\d+) digits?, expected 64$/.exec(e.message)?.[1];
    return is("key_format", digits !== undefined ? { keyDigits: Number(digits) } : {});
  }
  if (e instanceof IntegrityError) {
    return is("integrity", { integrity: { reason: e.reason, kind: integrityKind(e.reason), ...(e.objectId ? { objectId: e.objectId } : {}) } });
  }
  if (e instanceof LocalFileError) return is(LOCAL_CODES[e.code as LocalProblem] ?? "local_error");
  // Before RepositoryNotFoundError, which it extends: a missing folder is an unmounted drive, not "no backup here".
  if (e instanceof StorageFolderMissingError) return is("storage_unreachable");
  if (e instanceof RestoreTargetExistsError) return is("target_exists");
  if (e instanceof RepositoryExistsError) return is("repository_exists");
  if (e instanceof RepositoryNotFoundError) return is("repository_not_found");
  if (e instanceof SnapshotNotFoundError) return is("snapshot_not_found");
  if (e instanceof SourceError) return is("source");
  if (e instanceof RepositoryLockedError) return is("repository_locked");
  if (e instanceof LockLostError) return is("lock_lost");
  if (e instanceof CancelledError) return is("cancelled");
  const err = e as { name?: unknown; code?: unknown; retryable?: unknown } | null;
  // Storage errors by code as well as by class: a bundle may hold its own copy of @chatvault/storage.
  if (err?.code === "storage_unavailable" || err?.code === "storage_missing") return is("storage_unreachable");
  if (STORAGE_REFUSALS.has(String(err?.name))) return is("storage_refused");
  if (e instanceof StorageError) return is(e.retryable ? "storage_unreachable" : "storage_refused");
  return is("unexpected");
}
