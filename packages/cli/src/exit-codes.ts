/**
 * The CLI's exit codes. Scripts and tests rely on them: a code never changes meaning
 * (docs/cli.md lists them; a test keeps the two in sync). One code per thing the caller
 * can act on differently: fix the command line, try another secret, wait, give up, retry.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Anything not listed below (a bug, an unexpected I/O error). */
  other: 1,
  /** Bad command line, a missing or malformed secret/input, nothing to back up. */
  usage: 2,
  /** Wrong password or wrong 64-digit key. */
  wrongSecret: 3,
  /** Too many wrong passwords: the vault is locked until a given time. */
  locked: 4,
  /** The vault destroyed the key after too many wrong passwords: the password can never open this backup again. */
  destroyed: 5,
  /** Stored data is corrupted, tampered with, missing or rolled back; nothing was written. */
  integrity: 6,
  /** The backup storage (folder or S3) could not be reached. */
  storageUnreachable: 7,
  /** The key vault could not be reached. */
  vaultUnreachable: 8,
  /** The target already exists (restore destination, repository, key file). */
  targetExists: 9,
  /** No backup at that location, no such snapshot, or password protection is off. */
  notFound: 10,
  /** The vault refused the account token. */
  unauthorized: 11,
  /** No space left on a device; the message says which: the backup folder, the restore destination or the temp folder. */
  noSpace: 12,
  /** Permission denied, or a read-only file system, on a local path the message names. */
  notPermitted: 13,
  /** The disk reported an input/output error on a local path the message names. */
  ioError: 14,
  /** Another chatvault command holds the repository (a backup, prune or restore), or this command's own lock lapsed. */
  busy: 15,
  /** Cancelled (Ctrl-C, or "no" at a confirmation). 128 + SIGINT, as shells do. */
  cancelled: 130,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** One line per code, for `--help` and docs/cli.md. */
export const EXIT_DESCRIPTIONS: Record<ExitName, string> = {
  ok: "success",
  other: "unexpected error",
  usage: "usage error: bad flags, missing or malformed secret or input",
  wrongSecret: "wrong password or wrong 64-digit key",
  locked: "too many wrong passwords: locked until the time shown",
  destroyed: "the vault destroyed the key after too many wrong passwords",
  integrity: "backup data corrupted, tampered with, missing or rolled back (nothing written)",
  storageUnreachable: "backup storage unreachable",
  vaultUnreachable: "key vault unreachable",
  targetExists: "target already exists (restore destination, repository, key file)",
  notFound: "no backup there, no such snapshot, or password protection is off",
  unauthorized: "the vault refused the account token",
  noSpace: "no space left on a device (the backup folder, the restore destination or the temp folder: the message says which)",
  notPermitted: "permission denied or read-only file system (the message names the path)",
  ioError: "the disk reported an input/output error (the message names the path)",
  busy: "repository busy: another chatvault command holds it (who and since when is shown); retry later, or `chatvault unlock` if it is gone",
  cancelled: "cancelled (Ctrl-C or declined confirmation)",
};
