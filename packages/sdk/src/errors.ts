/**
 * Errors of the backup engine. Each has a stable `code` and says whether retrying helps.
 * Integrity problems reuse `IntegrityError` from the format (reason names the problem).
 */
import { ChatvaultError } from "@chatvault/format";

/** The storage holds no chatvault repository (no config object). */
export class RepositoryNotFoundError extends ChatvaultError {
  constructor(location: string) {
    super("repository_not_found", `no chatvault backup found at ${location}`);
  }
}

/** `init` on a location that already holds a repository. */
export class RepositoryExistsError extends ChatvaultError {
  constructor(location: string) {
    super("repository_exists", `a chatvault backup already exists at ${location}`);
  }
}

/** The requested snapshot does not exist. */
export class SnapshotNotFoundError extends ChatvaultError {
  constructor(what: string) {
    super("snapshot_not_found", `no snapshot matches ${what}`);
  }
}

/** Restore would overwrite something that exists, and the caller did not allow it. */
export class RestoreTargetExistsError extends ChatvaultError {
  readonly path: string;
  constructor(path: string) {
    super("target_exists", `${path} already exists; refusing to overwrite it (pass overwrite to replace it)`);
    this.path = path;
  }
}

/** The chat database to back up cannot be read as SQLite, or the media folder is missing. */
export class SourceError extends ChatvaultError {
  constructor(message: string, cause?: unknown) {
    super("source", message, { cause });
  }
}

/** The operation was cancelled by the caller (AbortSignal). */
export class CancelledError extends ChatvaultError {
  constructor() {
    super("cancelled", "cancelled");
  }
}
