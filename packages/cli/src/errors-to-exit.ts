/**
 * Map every typed error of the libraries onto an exit code and a one-line message a
 * person can act on (issue 5: "wrong password — 3 attempts left", "too many attempts —
 * try again in 58 minutes (at 15:42)", "this key does not open this backup").
 * Messages never contain a secret: the libraries' messages don't, and we add none.
 */
import { ChatvaultError, IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import {
  CancelledError, LocalFileError, type LocalProblem, LockLostError, RepositoryExistsError, RepositoryLockedError, RepositoryNotFoundError, RestoreTargetExistsError,
  SnapshotNotFoundError, SourceError, StorageFolderMissingError,
} from "@chatvault/sdk/core";
import { describeErrno, errnoOf, problemOf } from "@chatvault/sdk/node/core";
import {
  AlreadyEnabledError, DEFAULT_LOCK_SCHEDULE, DestroyedError, HeadConflictError, LockedError, NotEnabledError, RateLimitedError, RecordCorruptedError,
  UnauthorizedError, VaultError, VaultUnavailableError, WrongPasswordError, describeLockWait,
} from "@chatvault/vault-protocol";
import { RealmMisbehavedError, RealmsUnavailableError } from "@chatvault/vault-protocol/threshold";
import { CliError } from "./cli-error.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

export interface ExitReport {
  exitCode: ExitCode;
  code: string;
  message: string;
  /** Machine-readable facts for `--json` (`reason` of an integrity failure, `place` of a local error). */
  details?: Record<string, unknown>;
}

/** What an integrity failure means for a script: the stored data was rolled back, is corrupted, or is missing. */
export function integrityKind(reason: string): "rollback" | "corruption" | "missing" | "unsupported" {
  if (reason === "rollback") return "rollback";
  if (reason === "missing_object") return "missing";
  if (reason === "unsupported_version") return "unsupported";
  return "corruption";
}

const LOCAL_EXIT: Record<LocalProblem, ExitCode> = {
  no_space: EXIT.noSpace,
  permission_denied: EXIT.notPermitted,
  read_only: EXIT.notPermitted,
  io_error: EXIT.ioError,
  // A path the user gave is wrong (missing, not a folder, a file where a folder goes): fix the command line.
  not_found: EXIT.usage,
  not_a_folder: EXIT.usage,
  is_a_file: EXIT.usage,
  is_a_folder: EXIT.usage,
  other: EXIT.other,
};

/** Network and busy errno names that storage messages may quote, in words. */
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused", ECONNRESET: "connection reset", ETIMEDOUT: "timed out", ENOTFOUND: "host not found",
  EAI_AGAIN: "name lookup failed", EHOSTUNREACH: "host unreachable", ENETUNREACH: "network unreachable", EPIPE: "connection closed",
  EBUSY: "busy", EAGAIN: "busy", EMFILE: "too many open files", ENFILE: "too many open files", ESTALE: "stale network file handle",
};

/** A message with every errno name replaced by words (people act on words; scripts read `code`). */
function inWords(message: string): string {
  return message.replace(/\bE[A-Z][A-Z_]{2,}\b/g, (name) => NETWORK_WORDS[name] ?? describeErrno({ code: name }));
}

/** AWS SDK error names → what to fix, in words (the class names mean nothing to a user). */
const S3_REFUSALS: Record<string, string> = {
  CredentialsProviderError: "no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
  AccessDenied: "the S3 service denied access: check that these credentials may read and write the bucket",
  NoSuchBucket: "the S3 bucket does not exist: check the bucket name in --repo",
  InvalidAccessKeyId: "the S3 service does not know this access key: check AWS_ACCESS_KEY_ID",
  SignatureDoesNotMatch: "the S3 service rejected the secret key: check AWS_SECRET_ACCESS_KEY",
};

/** "58 minutes (at 15:42)"; the date is added when the time is not today. */
export function describeWait(until: Date, now: Date = new Date()): string {
  const secs = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  const n = (v: number, unit: string) => `${v} ${unit}${v === 1 ? "" : "s"}`;
  const span = secs < 60 ? n(secs, "second")
    : secs < 120 * 60 ? n(Math.ceil(secs / 60), "minute")
    : secs < 48 * 3600 ? n(Math.ceil(secs / 3600), "hour")
    : n(Math.ceil(secs / 86400), "day");
  const pad = (x: number) => String(x).padStart(2, "0");
  const hm = `${pad(until.getHours())}:${pad(until.getMinutes())}`;
  const sameDay = until.toDateString() === now.toDateString();
  const at = sameDay ? hm : `${until.getFullYear()}-${pad(until.getMonth() + 1)}-${pad(until.getDate())} ${hm}`;
  return `${span} (at ${at})`;
}

export const DESTROYED_MESSAGE =
  "the key to this backup is gone forever: the vault destroyed it after too many wrong passwords " +
  "(the limit that stops anyone from guessing the password), and nobody, not even the vault operator, can bring it back";

export const NOT_ENABLED_MESSAGE =
  "password protection is off for this account: the vault holds no key for this backup, " +
  "so it cannot be restored with a password (it was turned off with `chatvault disable`, or never turned on)";

const attempts = (n: number) => `${n} attempt${n === 1 ? "" : "s"} left`;

export function toExit(e: unknown, now: Date = new Date()): ExitReport {
  const r = (exitCode: ExitCode, code: string, message: string, details?: Record<string, unknown>): ExitReport =>
    (details ? { exitCode, code, message, details } : { exitCode, code, message });
  if (e instanceof CliError) return r(e.exitCode, e.code, e.message, e.details);
  // Realm sets (spec/threshold-vault.md §8): name the realms that did not answer or misbehaved.
  if (e instanceof RealmsUnavailableError) {
    return r(EXIT.vaultUnreachable, "realms_unavailable", `${e.message.replace(/; missing: .*$/, "")}: cannot reach ${e.missing.map((m) => `${m.url} (${m.status}${m.code ? ` ${m.code}` : ""})`).join(", ")}; try again when they are back`,
      { missing: e.missing.map((m) => ({ id: m.id, url: m.url, status: m.status, ...(m.code ? { code: m.code } : {}) })) });
  }
  if (e instanceof RealmMisbehavedError) {
    return r(EXIT.integrity, "realm_misbehaved", `realm ${e.realm.url} (${e.realm.id}) misbehaved (${e.reason}) and too few honest realms remain; tell its operator`,
      { realm: { id: e.realm.id, url: e.realm.url }, reason: e.reason });
  }
  // Vault errors first: their codes overlap nothing else, and the wording matters most here.
  if (e instanceof WrongPasswordError) {
    if (e.destroyed) return r(EXIT.destroyed, "destroyed", `wrong password — that was the last attempt: ${DESTROYED_MESSAGE}`);
    // The attempt that triggers the lock already reports "locked" (exit 4): the next try waits either way.
    if (e.retryAfter) return r(EXIT.locked, "locked", `wrong password — too many attempts, try again in ${describeWait(e.retryAfter, now)}`);
    const left = e.attemptsRemaining ?? 0;
    const next = left === 1 ? `; if the next password is wrong, you will have to wait ${describeLockWait(DEFAULT_LOCK_SCHEDULE.lockBaseMs)} (longer if it was locked before)` : "";
    return r(EXIT.wrongSecret, "wrong_password", `wrong password — ${attempts(left)}${next}`);
  }
  if (e instanceof LockedError) return r(EXIT.locked, "locked", `too many attempts — try again in ${describeWait(e.retryAfter, now)}`);
  if (e instanceof DestroyedError) return r(EXIT.destroyed, "destroyed", DESTROYED_MESSAGE);
  if (e instanceof NotEnabledError) return r(EXIT.notFound, "not_enabled", NOT_ENABLED_MESSAGE);
  if (e instanceof AlreadyEnabledError) {
    return r(EXIT.targetExists, "already_enabled", "password protection is already on for this account; use `chatvault password change` to change the password");
  }
  if (e instanceof UnauthorizedError) return r(EXIT.unauthorized, "unauthorized", `the key vault refused the account token: ${e.message}`);
  if (e instanceof RateLimitedError) {
    return r(EXIT.vaultUnreachable, "rate_limited", `the key vault is busy${e.retryAfter ? ` — try again in ${describeWait(e.retryAfter, now)}` : "; try again later"}`);
  }
  if (e instanceof VaultUnavailableError) return r(EXIT.vaultUnreachable, "vault_unreachable", `cannot reach the key vault: ${e.message}`);
  if (e instanceof HeadConflictError) {
    return r(EXIT.integrity, "head_conflict", `the vault records a newer backup than this storage offers (rolled back, or another device backed up): ${e.message}`);
  }
  if (e instanceof RecordCorruptedError) return r(EXIT.integrity, "record_corrupted", e.message);
  if (e instanceof VaultError) return r(EXIT.other, e.code, `key vault: ${e.message}`);
  // Backup format and engine.
  if (e instanceof WrongKeyError) return r(EXIT.wrongSecret, "wrong_key", e.message);
  if (e instanceof KeyFormatError) {
    // The library quotes the bad character; it may be part of a secret, so give only its position.
    return r(EXIT.usage, "key_format", `not a 64-digit key: ${e.position !== undefined ? `the character at position ${e.position} is not a digit 0–9 or a letter a–f` : e.message}`);
  }
  if (e instanceof IntegrityError) {
    return r(EXIT.integrity, "integrity", `integrity check failed (${e.reason}): ${e.message}; nothing was written`,
      { reason: integrityKind(e.reason), check: e.reason, ...(e.objectId ? { object: e.objectId } : {}) });
  }
  if (e instanceof LocalFileError) return r(LOCAL_EXIT[e.code as LocalProblem] ?? EXIT.other, e.code, e.message, { place: e.place, path: e.path });
  // Checked before RepositoryNotFoundError, which it extends: a missing folder is an unmounted drive, not "no backup here".
  if (e instanceof StorageFolderMissingError) return r(EXIT.storageUnreachable, "storage_unreachable", e.message);
  if (e instanceof RestoreTargetExistsError) return r(EXIT.targetExists, "target_exists", `${e.path} already exists; pass --overwrite to replace it`);
  if (e instanceof RepositoryExistsError) return r(EXIT.targetExists, "repository_exists", e.message);
  if (e instanceof RepositoryNotFoundError || e instanceof SnapshotNotFoundError) return r(EXIT.notFound, e.code, e.message);
  if (e instanceof SourceError) return r(EXIT.usage, "source", e.message);
  if (e instanceof RepositoryLockedError) return r(EXIT.busy, e.code, e.message, { holder: e.holder });
  if (e instanceof LockLostError) return r(EXIT.busy, e.code, e.message);
  if (e instanceof CancelledError) return r(EXIT.cancelled, "cancelled", "cancelled — the previous backup is untouched");
  const err = e as { name?: unknown; code?: unknown; message?: unknown; retryable?: unknown } | null;
  // Storage errors are duck-typed: @chatvault/storage keeps its own base class.
  if (err?.code === "storage_unavailable" || err?.code === "storage_missing") {
    return r(EXIT.storageUnreachable, "storage_unreachable", `cannot reach the backup storage: ${inWords(String(err.message))}; check the location and the network, then try again`);
  }
  if (err?.name === "ExitPromptError" || err?.name === "AbortPromptError") return r(EXIT.cancelled, "cancelled", "cancelled");
  if (e instanceof ChatvaultError) return r(EXIT.other, e.code, e.message);
  // AWS SDK errors that @chatvault/storage passes through (misconfiguration, not transient).
  const refusal = S3_REFUSALS[String(err?.name)];
  if (refusal) return r(EXIT.storageUnreachable, "storage_refused", refusal);
  // A file-system error no layer named: still no errno name or Node's doubled path in the message.
  const errno = errnoOf(e);
  if (errno) {
    const path = (e as { path?: unknown }).path;
    const problem = problemOf(e);
    return r(LOCAL_EXIT[problem], problem, `${typeof path === "string" ? `${path}: ` : ""}${describeErrno(e)}`);
  }
  const message = e instanceof Error ? e.message : String(e);
  return r(EXIT.other, typeof err?.code === "string" ? err.code : "error", message.split("\n")[0] ?? "error");
}
