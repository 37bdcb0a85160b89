/**
 * Typed storage errors: `ChatvaultError`s like every error of ours (`code` is stable,
 * `retryable` says whether trying again can help, `name` is the class name).
 * Messages name the object but never carry credentials or object contents.
 */
import { ChatvaultError } from "@chatvault/format";

export class StorageError extends ChatvaultError {}

/**
 * `put` found the name taken; the existing object was left untouched. Retrying will not help.
 * After a lost acknowledgement the existing object may be the caller's own earlier write:
 * `withRetry` compares contents in that case (see decorators/retry.ts).
 */
export class ObjectExistsError extends StorageError {
  readonly objectName: string;
  constructor(objectName: string, options?: { cause?: unknown }) {
    super("object_exists", `object already exists: ${objectName}`, options);
    this.objectName = objectName;
  }
}

/** `get` or `stat` of a name that holds no object. Retrying will not help. */
export class ObjectNotFoundError extends StorageError {
  readonly objectName: string;
  constructor(objectName: string, options?: { cause?: unknown }) {
    super("object_not_found", `object not found: ${objectName}`, options);
    this.objectName = objectName;
  }
}

/**
 * The backend could not be reached or answered "try later" (network error, timeout, 5xx,
 * throttling, too many open files). The operation may or may not have taken effect;
 * retrying may help.
 */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("storage_unavailable", message, { retryable: true, cause: options?.cause });
  }
}

/** A name or list prefix breaks the naming rules (see `checkObjectName`). A caller bug. */
export class InvalidObjectNameError extends StorageError {
  constructor(message: string) {
    super("invalid_object_name", message);
  }
}

/** True for any error (ours or another package's) that says retrying may help. */
export function isRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === true;
}
