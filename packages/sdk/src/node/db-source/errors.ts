/** Why a live database could not be snapshotted or read. */
export type DatabaseSourceReason =
  /** The path does not exist or cannot be opened. */
  | "not_found"
  /** The file is not a SQLite 3 database (wrong magic, too short, or SQLite says so). */
  | "not_a_database"
  /** The database stayed locked by a writer, or the snapshot took longer than allowed. Retrying may help. */
  | "busy"
  /** The copy does not match what the source promised (page count, file size). */
  | "inconsistent"
  /** Any other SQLite or file-system failure (disk full, I/O error); see `cause`. */
  | "io_error";

/**
 * The app's SQLite database could not be copied or its copy could not be read.
 * `retryable` is true only for `busy`. (Shaped like `@chatvault/format`'s ChatvaultError:
 * stable `code`, `retryable`.)
 */
export class DatabaseSourceError extends Error {
  readonly code = "database_source";
  readonly reason: DatabaseSourceReason;
  readonly retryable: boolean;
  constructor(reason: DatabaseSourceReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseSourceError";
    this.reason = reason;
    this.retryable = reason === "busy";
  }
}
