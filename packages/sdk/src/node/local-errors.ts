/**
 * Node file-system errors in the product's words: what went wrong (never the errno name
 * or Node's message, which repeats the path) and, for `LocalFileError`, where and what to do.
 */
import { LocalFileError, type LocalPlace, type LocalProblem } from "../errors.ts";
import { describeErrno, errnoOf, problemOf } from "./errno-words.ts";

export { describeErrno, errnoOf, problemOf } from "./errno-words.ts";

const PLACE: Record<LocalPlace, string> = {
  repository: "the backup folder",
  destination: "the restore destination",
  temp: "the temp folder for the database copy",
  source: "",
};

const ADVICE: Record<LocalPlace, Partial<Record<LocalProblem, string>>> = {
  repository: {
    no_space: "free some space there, then run the backup again (the previous snapshot is untouched)",
    permission_denied: "give this user write access to it, or choose another --repo",
    read_only: "mount it writable, or choose another --repo",
  },
  destination: {
    no_space: "free some space there or choose another --to (nothing was moved into place)",
    permission_denied: "choose a folder you can write to with --to",
    read_only: "choose a writable folder with --to",
    not_a_folder: "give a folder with --to",
  },
  temp: {
    no_space: "free some space there or set TMPDIR to a folder with room for a copy of the database",
    permission_denied: "set TMPDIR to a folder you can write to",
    read_only: "set TMPDIR to a writable folder",
  },
  source: {
    permission_denied: "give this user read access to it",
    is_a_folder: "give the chat database file itself",
  },
};

/**
 * Wrap a Node file-system error as a `LocalFileError` naming the place and the path once;
 * anything else (typed errors of ours, errno classes not listed above) passes through.
 */
export function localFileError(e: unknown, place: LocalPlace, path: string, label?: string): unknown {
  const problem = problemOf(e);
  // Only the classes we can name; others (network errnos from a storage client…) pass through.
  if (e instanceof LocalFileError || problem === "other") return e;
  const named = label ?? PLACE[place];
  const what = named ? `${named} ${path}` : path;
  const advice = ADVICE[place][problem];
  const message =
    place === "destination" && problem === "is_a_file"
      ? `${what} is a file, not a folder: give a folder with --to`
      : `${what}: ${describeErrno(e)}${advice ? `; ${advice}` : ""}`;
  return new LocalFileError(problem, place, path, message, { errno: errnoOf(e), cause: e });
}
