/**
 * Typed vault errors (spec/vault-protocol.md §8). Each says what the caller can do:
 * `retryable` (trying again can help, possibly after `retryAfter`), `attemptsRemaining`,
 * `destroyed`. Messages never contain a password, key or token.
 */
import { ChatvaultError } from "@chatvault/format";
import type { BackupHead, ErrorBody } from "./wire.ts";
import { isVaultErrorCode, type ClientErrorCode, type VaultErrorCode } from "./error-codes.ts";

export interface VaultErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  attemptsRemaining?: number;
  retryAfter?: Date;
  destroyed?: boolean;
  status?: number;
}

/** Base of every error the vault client throws. */
export class VaultError extends ChatvaultError {
  /** Guesses left before a lock (or destruction), when known. */
  readonly attemptsRemaining: number | undefined;
  /** Earliest time (server clock) at which retrying can succeed, when known. */
  readonly retryAfter: Date | undefined;
  /** True when the vault record is gone for good: the password can never unlock it again. */
  readonly destroyed: boolean;
  /** HTTP status, when the error came from the server. */
  readonly status: number | undefined;
  constructor(code: VaultErrorCode | ClientErrorCode, message: string, options: VaultErrorOptions = {}) {
    super(code, message, { retryable: options.retryable ?? false, cause: options.cause });
    this.attemptsRemaining = options.attemptsRemaining;
    this.retryAfter = options.retryAfter;
    this.destroyed = options.destroyed ?? false;
    this.status = options.status;
  }
}

/**
 * The password is wrong (OPAQUE's KE2 did not open). `attemptsRemaining` says how many
 * guesses are left; `retryAfter` is set when this guess started a lock; `destroyed` when it
 * spent the last of the lifetime budget.
 */
export class WrongPasswordError extends VaultError {
  constructor(attemptsRemaining: number, options: { retryAfter?: Date; destroyed?: boolean } = {}) {
    const msg = options.destroyed
      ? "wrong password; that was the last attempt and the vault record will be destroyed"
      : options.retryAfter
        ? `wrong password; locked until ${options.retryAfter.toISOString()}`
        : `wrong password; ${attemptsRemaining} attempt(s) remaining`;
    super("wrong_password", msg, { attemptsRemaining, retryable: !options.destroyed, ...options });
  }
}

/** Too many wrong guesses: no attempt is possible before `retryAfter`. */
export class LockedError extends VaultError {
  declare readonly retryAfter: Date;
  constructor(retryAfter: Date, status?: number) {
    super("locked", `too many wrong passwords; try again after ${retryAfter.toISOString()}`, {
      retryable: true,
      retryAfter,
      attemptsRemaining: 0,
      status,
    });
  }
}

/** The failure budget ran out: the record (and the wrapped root key) was deleted. Never retryable. */
export class DestroyedError extends VaultError {
  constructor(status?: number) {
    super("destroyed", "the vault record was destroyed after too many wrong passwords; the password can no longer unlock this backup", {
      destroyed: true,
      attemptsRemaining: 0,
      status,
    });
  }
}

/** No vault record for this account (never enabled, or disabled). */
export class NotEnabledError extends VaultError {
  constructor(status?: number) {
    super("not_enabled", "password protection is not enabled for this account", { status });
  }
}

/** `enable` on an account that already has a record: change the password instead. */
export class AlreadyEnabledError extends VaultError {
  constructor(status?: number) {
    super("already_enabled", "password protection is already enabled for this account", { status });
  }
}

/** The vault could not be reached or failed; retrying later can help. */
export class VaultUnavailableError extends VaultError {
  constructor(message: string, options: { cause?: unknown; status?: number; retryAfter?: Date } = {}) {
    super("unavailable", message, { retryable: true, ...options });
  }
}

/** The account token is missing, malformed, expired or not signed by a key the vault trusts. */
export class UnauthorizedError extends VaultError {
  constructor(message = "the account token was refused", status?: number) {
    super("unauthorized", message, { status });
  }
}

/** Too many requests: slow down until `retryAfter`. */
export class RateLimitedError extends VaultError {
  constructor(retryAfter: Date | undefined, status?: number) {
    super("rate_limited", "too many requests; slow down", { retryable: true, retryAfter, status });
  }
}

/** The head on the vault is newer than (or conflicts with) the one offered. */
export class HeadConflictError extends VaultError {
  readonly current: BackupHead | undefined;
  constructor(message: string, current: BackupHead | undefined, status?: number) {
    super("head_conflict", message, { status });
    this.current = current;
  }
}

/** The wrapped root key did not open after a successful login: the record was tampered with. */
export class RecordCorruptedError extends VaultError {
  constructor(cause?: unknown) {
    super("record_corrupted", "the vault record does not open with this password although the login succeeded (tampered or corrupted record)", { cause });
  }
}

/** The server broke the protocol (malformed answer, weak key stretching, unexpected server key). */
export class VaultProtocolError extends VaultError {
  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super("protocol", message, options);
  }
}

/** Any other stable server code (bad_request, session_invalid, login_expired, record_changed, ...). */
export class VaultRequestError extends VaultError {}

const retryableCodes = new Set<VaultErrorCode>(["login_expired", "record_changed", "session_invalid"]);

/** Turn a non-2xx response into the matching typed error (spec §8). */
export function errorFromResponse(status: number, body: unknown, retryAfterHeader?: string | null): VaultError {
  const e = (body as Partial<ErrorBody> | null)?.error;
  const code = e && typeof e === "object" ? e.code : undefined;
  const message = e && typeof e.message === "string" ? e.message.slice(0, 500) : `HTTP ${status}`;
  const retryAfter = retryAfterFrom(e?.retryAfter, retryAfterHeader);
  if (!isVaultErrorCode(code)) {
    if (status >= 500 || status === 408) return new VaultUnavailableError(`vault answered HTTP ${status}`, { status });
    return new VaultProtocolError(`vault answered HTTP ${status} without a known error code`, { status });
  }
  switch (code) {
    case "locked":
      return new LockedError(retryAfter ?? new Date(Date.now() + 60_000), status);
    case "destroyed":
      return new DestroyedError(status);
    case "not_enabled":
      return new NotEnabledError(status);
    case "already_enabled":
      return new AlreadyEnabledError(status);
    case "unauthorized":
      return new UnauthorizedError(message, status);
    case "rate_limited":
      return new RateLimitedError(retryAfter, status);
    case "head_conflict":
      return new HeadConflictError(message, e?.current, status);
    case "internal":
    case "unavailable":
      return new VaultUnavailableError(message, { status, retryAfter });
    default:
      return new VaultRequestError(code, message, { status, retryable: retryableCodes.has(code) });
  }
}

function retryAfterFrom(ms: unknown, header: string | null | undefined): Date | undefined {
  if (typeof ms === "number" && Number.isFinite(ms)) return new Date(ms);
  if (header && /^\d+$/.test(header)) return new Date(Date.now() + Number(header) * 1000);
  return undefined;
}
