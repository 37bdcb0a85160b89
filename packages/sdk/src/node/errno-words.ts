/**
 * Node file-system errors in the product's words, without the error classes: what went
 * wrong, never the errno name or Node's message (which repeats the path). A leaf module
 * (types only from ../errors.ts), so that the database copy's thread, which needs only
 * these words, does not load `@chatvault/format` before its copy can start (that barrel
 * cost 28–83 ms of the thread's start on the loaded bench machine: docs/performance.md,
 * "Day-after and no-change backups, round 6").
 */
import type { LocalProblem } from "../errors.ts";

/** The errno name of a Node error, if it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

const PROBLEMS: Record<string, LocalProblem> = {
  ENOSPC: "no_space",
  EDQUOT: "no_space",
  EFBIG: "no_space",
  EACCES: "permission_denied",
  EPERM: "permission_denied",
  EROFS: "read_only",
  ENOENT: "not_found",
  ENOTDIR: "not_a_folder",
  EEXIST: "is_a_file",
  EISDIR: "is_a_folder",
  EIO: "io_error",
};

export function problemOf(e: unknown): LocalProblem {
  return PROBLEMS[errnoOf(e) ?? ""] ?? "other";
}

const WORDS: Record<LocalProblem, string> = {
  no_space: "no space left on the device",
  permission_denied: "permission denied",
  read_only: "the file system is read-only",
  not_found: "it does not exist",
  not_a_folder: "a part of the path is not a folder",
  is_a_file: "something else is already there",
  is_a_folder: "it is a folder, not a file",
  io_error: "the disk reported an input/output error",
  other: "unexpected file-system error",
};

/** "permission denied", "it does not exist": a short reason, without errno names or paths. */
export function describeErrno(e: unknown): string {
  const problem = problemOf(e);
  return problem === "other" && errnoOf(e) ? `${WORDS.other} (${errnoOf(e)})` : WORDS[problem];
}
