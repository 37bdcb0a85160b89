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

/**
 * The backup folder itself is missing — most often a drive that is not mounted. A
 * `RepositoryNotFoundError` (there is no backup to read), but the CLI reports it as
 * "storage unreachable", not "no backup here": retrying once the drive is back helps.
 */
export class StorageFolderMissingError extends RepositoryNotFoundError {
  readonly folder: string;
  constructor(folder: string) {
    super(folder);
    this.message = `the backup folder ${folder} does not exist — is its drive mounted? (\`chatvault init\` makes a new backup)`;
    this.folder = folder;
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

/** Who holds a repository lock, as its lock object says (spec §8.11). */
export interface LockHolderInfo {
  operation: string;
  host: string;
  pid: number;
  mode: "shared" | "append" | "exclusive";
  since: string;
  expires: string;
}

/**
 * Another process holds a lock this operation cannot share (spec §8.11). Retrying later
 * helps: the holder releases it when done, and a crashed holder's lease runs out at
 * `holder.expires`. A lock left by a process that is known to be gone can be removed with
 * `chatvault unlock` (the SDK's `breakLocks`).
 */
export class RepositoryLockedError extends ChatvaultError {
  readonly holder: LockHolderInfo;
  constructor(holder: LockHolderInfo) {
    super(
      "repository_locked",
      `repository locked by ${holder.operation} on ${holder.host} (pid ${holder.pid}) since ${holder.since}; ` +
        `its lease runs out at ${holder.expires} unless renewed. Try again later, or if that process is gone run \`chatvault unlock\``,
      { retryable: true },
    );
    this.holder = holder;
  }
}

/**
 * This operation's own lock lapsed (its lease could not be renewed in time, or someone
 * broke it with `unlock`). The operation stopped before changing anything more; earlier
 * snapshots are intact. Running it again helps.
 */
export class LockLostError extends ChatvaultError {
  constructor(operation: string, why: string) {
    super("lock_lost", `${operation} stopped: its lock on the repository ${why}; nothing more was changed, run it again`, { retryable: true });
  }
}

/** Where on this machine a file-system error happened; messages and exit codes name it. */
export type LocalPlace = "repository" | "destination" | "temp" | "source";

/** What kind of file-system error it was (the errno class, in our words). */
export type LocalProblem = "no_space" | "permission_denied" | "read_only" | "not_found" | "not_a_folder" | "is_a_file" | "is_a_folder" | "io_error" | "other";

/**
 * A local file-system operation failed: the backup folder, the restore destination, the
 * temp folder of the database copy, or the files being backed up. `code` is the
 * problem (`no_space`, `read_only`, …), `place` says where, the message names the path
 * once and what to do. Retrying helps only after the user fixed the cause.
 */
export class LocalFileError extends ChatvaultError {
  readonly place: LocalPlace;
  readonly path: string;
  /** The system's errno name (ENOSPC, …), for debugging; never shown as the message. */
  readonly errno: string | undefined;
  constructor(problem: LocalProblem, place: LocalPlace, path: string, message: string, options?: { errno?: string; cause?: unknown }) {
    super(problem, message, { cause: options?.cause });
    this.place = place;
    this.path = path;
    this.errno = options?.errno;
  }
}
