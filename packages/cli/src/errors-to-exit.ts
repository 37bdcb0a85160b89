/**
 * Word every failure for a terminal and pick its exit code (docs/cli.md, Exit codes: "wrong password — 3
 * attempts left", "too many attempts — try again in 58 minutes (at 15:42)", "this key
 * does not open this backup"). Which failure an error is, and its category, come from the
 * SDK's one table (`describeFailure`, shared with the web app); this file only words it.
 * Messages never contain a secret: the libraries' messages don't, and we add none.
 */
import { ChatvaultError } from "@chatvault/format";
import {
  type FailureCategory,
  type LocalFileError,
  type LocalProblem,
  type RepositoryLockedError,
  type RestoreTargetExistsError,
  StorageFolderMissingError,
  describeFailure,
} from "@chatvault/sdk";
import { describeErrno, errnoOf, problemOf } from "@chatvault/sdk/node/core";
import { DEFAULT_LOCK_SCHEDULE, describeLockWait } from "@chatvault/vault-protocol";
import type { RealmMisbehavedError, RealmsUnavailableError } from "@chatvault/vault-protocol/threshold";
import { CliError } from "./cli-error.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

export interface ExitReport {
  exitCode: ExitCode;
  code: string;
  message: string;
  /** Machine-readable facts for `--json` (`reason` of an integrity failure, `place` of a local error). */
  details?: Record<string, unknown>;
}

/** One exit code per failure category of the SDK's table (exit-codes.ts says what each means). */
const CATEGORY_EXIT: Record<FailureCategory, ExitCode> = {
  usage: EXIT.usage,
  wrong_secret: EXIT.wrongSecret,
  locked: EXIT.locked,
  destroyed: EXIT.destroyed,
  integrity: EXIT.integrity,
  storage_unreachable: EXIT.storageUnreachable,
  vault_unreachable: EXIT.vaultUnreachable,
  target_exists: EXIT.targetExists,
  not_found: EXIT.notFound,
  unauthorized: EXIT.unauthorized,
  no_space: EXIT.noSpace,
  not_permitted: EXIT.notPermitted,
  io_error: EXIT.ioError,
  busy: EXIT.busy,
  cancelled: EXIT.cancelled,
  other: EXIT.other,
};

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
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  EBUSY: "busy",
  EAGAIN: "busy",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ESTALE: "stale network file handle",
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
  const span =
    secs < 60
      ? n(secs, "second")
      : secs < 120 * 60
        ? n(Math.ceil(secs / 60), "minute")
        : secs < 48 * 3600
          ? n(Math.ceil(secs / 3600), "hour")
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
    details ? { exitCode, code, message, details } : { exitCode, code, message };
  if (e instanceof CliError) return r(e.exitCode, e.code, e.message, e.details);
  const failure = describeFailure(e);
  const exit = CATEGORY_EXIT[failure.facts.category];
  const said = (e as { message?: unknown } | null)?.message;
  const message = typeof said === "string" ? said : String(e);
  switch (failure.code) {
    // Realm sets (spec/threshold-vault.md §8): name the realms that did not answer or misbehaved.
    case "realms_unavailable": {
      const { missing } = e as RealmsUnavailableError;
      return r(
        exit,
        failure.code,
        `${message.replace(/; missing: .*$/, "")}: cannot reach ${missing.map((m) => `${m.url} (${m.status}${m.code ? ` ${m.code}` : ""})`).join(", ")}; try again when they are back`,
        { missing: missing.map((m) => ({ id: m.id, url: m.url, status: m.status, ...(m.code ? { code: m.code } : {}) })) },
      );
    }
    case "realm_misbehaved": {
      const { realm, reason } = e as RealmMisbehavedError;
      return r(exit, failure.code, `realm ${realm.url} (${realm.id}) misbehaved (${reason}) and too few honest realms remain; tell its operator`, {
        realm: { id: realm.id, url: realm.url },
        reason,
      });
    }
    case "destroyed":
      return r(exit, failure.code, failure.byWrongPassword ? `wrong password — that was the last attempt: ${DESTROYED_MESSAGE}` : DESTROYED_MESSAGE);
    case "locked":
      return r(
        exit,
        failure.code,
        failure.byWrongPassword
          ? `wrong password — too many attempts, try again in ${describeWait(failure.retryAfter!, now)}`
          : `too many attempts — try again in ${describeWait(failure.retryAfter!, now)}`,
      );
    case "wrong_password": {
      const left = failure.attemptsRemaining ?? 0;
      const next =
        left === 1
          ? `; if the next password is wrong, you will have to wait ${describeLockWait(DEFAULT_LOCK_SCHEDULE.lockBaseMs)} (longer if it was locked before)`
          : "";
      return r(exit, failure.code, `wrong password — ${attempts(left)}${next}`);
    }
    case "not_enabled":
      return r(exit, failure.code, NOT_ENABLED_MESSAGE);
    case "already_enabled":
      return r(exit, failure.code, "password protection is already on for this account; use `chatvault password change` to change the password");
    case "unauthorized":
      return r(exit, failure.code, `the key vault refused the account token: ${message}`);
    case "rate_limited":
      return r(
        exit,
        failure.code,
        `the key vault is busy${failure.retryAfter ? ` — try again in ${describeWait(failure.retryAfter, now)}` : "; try again later"}`,
      );
    case "vault_unreachable":
      return r(exit, failure.code, `cannot reach the key vault: ${message}`);
    case "head_conflict":
      return r(exit, failure.code, `the vault records a newer backup than this storage offers (rolled back, or another device backed up): ${message}`);
    case "record_corrupted":
      return r(exit, failure.code, message);
    case "vault_error":
      return r(exit, (e as ChatvaultError).code, `key vault: ${message}`);
    case "wrong_key":
      return r(exit, failure.code, message);
    case "key_format":
      // The library quotes the bad character; it may be part of a secret, so give only its position.
      return r(
        exit,
        failure.code,
        `not a 64-digit key: ${failure.keyPosition !== undefined ? `the character at position ${failure.keyPosition} is not a digit 0–9 or a letter a–f` : message}`,
      );
    case "integrity": {
      const i = failure.integrity!;
      return r(exit, failure.code, `integrity check failed (${i.reason}): ${message}; nothing was written`, {
        reason: i.kind,
        check: i.reason,
        ...(i.objectId ? { object: i.objectId } : {}),
      });
    }
    case "no_space":
    case "permission_denied":
    case "read_only":
    case "not_found":
    case "not_a_folder":
    case "is_a_file":
    case "is_a_folder":
    case "io_error":
    case "local_error": {
      const l = e as LocalFileError;
      return r(exit, l.code, l.message, { place: l.place, path: l.path });
    }
    case "target_exists":
      return r(exit, failure.code, `${(e as RestoreTargetExistsError).path} already exists; pass --overwrite to replace it`);
    case "repository_exists":
    case "repository_not_found":
    case "snapshot_not_found":
    case "source":
    case "lock_lost":
      return r(exit, failure.code, message);
    case "repository_locked":
      return r(exit, failure.code, message, { holder: (e as RepositoryLockedError).holder });
    case "cancelled":
      return r(exit, failure.code, "cancelled — the previous backup is untouched");
    case "storage_unreachable":
      // A missing backup folder already says which folder and what to check.
      if (e instanceof StorageFolderMissingError) return r(exit, failure.code, message);
      return r(exit, failure.code, `cannot reach the backup storage: ${inWords(message)}; check the location and the network, then try again`);
    case "storage_refused": {
      // AWS SDK errors that @chatvault/storage passes through (misconfiguration, not transient).
      const refusal = S3_REFUSALS[String((e as { name?: unknown }).name)];
      if (refusal) return r(exit, failure.code, refusal);
      break; // another refusal of our storage layer: its own code and words, below
    }
    case "unexpected":
      break;
  }
  const err = e as { name?: unknown; code?: unknown } | null;
  if (err?.name === "ExitPromptError" || err?.name === "AbortPromptError") return r(EXIT.cancelled, "cancelled", "cancelled");
  if (e instanceof ChatvaultError) return r(EXIT.other, e.code, e.message);
  // A file-system error no layer named: still no errno name or Node's doubled path in the message.
  const errno = errnoOf(e);
  if (errno) {
    const path = (e as { path?: unknown }).path;
    const problem = problemOf(e);
    return r(LOCAL_EXIT[problem], problem, `${typeof path === "string" ? `${path}: ` : ""}${describeErrno(e)}`);
  }
  return r(EXIT.other, typeof err?.code === "string" ? err.code : "error", message.split("\n")[0] ?? "error");
}
