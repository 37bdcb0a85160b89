/**
 * Base of every typed error chatvault throws. `code` is stable and documented;
 * `retryable` says whether trying the same thing again can help.
 * Messages never contain a key, password or plaintext.
 */
export class ChatvaultError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options?: { retryable?: boolean; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** A 64-digit key string is malformed. `position` is 1-based, counting digits and separators. */
export class KeyFormatError extends ChatvaultError {
  readonly position: number | undefined;
  constructor(message: string, position?: number) {
    super("key_format", message);
    this.position = position;
  }
}

/** The key (or the key unwrapped with a password) does not open this backup. */
export class WrongKeyError extends ChatvaultError {
  constructor(message = "this key does not open this backup") {
    super("wrong_key", message);
  }
}

/** Why an object failed to open; the spec's MUST-reject list names each one. */
export type IntegrityReason =
  | "bad_magic"
  | "unsupported_version"
  | "bad_header"
  | "wrong_kind"
  | "auth_failed"
  | "truncated"
  | "trailing_data"
  | "reordered"
  | "too_short"
  | "bad_structure"
  | "missing_object"
  | "id_mismatch"
  | "rollback";

/** Stored bytes are corrupted, tampered with, truncated, reordered or from elsewhere. */
export class IntegrityError extends ChatvaultError {
  readonly reason: IntegrityReason;
  readonly objectId: string | undefined;
  constructor(reason: IntegrityReason, message: string, objectId?: string) {
    super("integrity", objectId ? `${message} (object ${objectId})` : message);
    this.reason = reason;
    this.objectId = objectId;
  }
}
