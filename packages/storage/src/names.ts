/**
 * The one object-name validator every adapter calls before touching its backend, so a name
 * is valid everywhere or nowhere (a backup written to a folder can be copied to S3).
 */
import { InvalidObjectNameError } from "./errors.ts";
import type { GetRange } from "./types.ts";

/** Longest name, in characters (= bytes: names are ASCII). Leaves room for an S3 key prefix (1024-byte keys). */
export const MAX_NAME_LENGTH = 512;
/** Longest segment. Filesystems allow 255 bytes; the fs adapter's temp files add a suffix. */
export const MAX_SEGMENT_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `name` is not a valid object name, or `undefined` when it is. Never echoes the name: it may be garbage. */
function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "must be a string";
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  for (const segment of name.split("/")) {
    if (segment === "") return "must not start or end with '/' or contain '//'";
    // "." and ".." would walk the filesystem adapter out of its folder.
    if (segment === "." || segment === "..") return "must not contain '.' or '..' segments";
    if (segment.length > MAX_SEGMENT_LENGTH) return `segments must be at most ${MAX_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(segment)) return "may only contain A-Z a-z 0-9 . _ - and '/' between segments";
  }
  return undefined;
}

/** True when `name` is a valid object name. */
export function isValidObjectName(name: string): boolean {
  return nameProblem(name) === undefined;
}

/**
 * Throws `InvalidObjectNameError` unless `name` is relative, `/`-separated, made of
 * non-empty `[A-Za-z0-9._-]` segments other than `.` and `..`, within the length limits.
 */
export function checkObjectName(name: string): void {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new InvalidObjectNameError(`invalid object name: ${problem}`);
}

/**
 * Throws `InvalidObjectNameError` unless `prefix` is "" or the start of some valid name
 * (so "packs/", "packs/a" and "pa" are fine, "/x" and "../" are not).
 */
export function checkListPrefix(prefix: string): void {
  if (prefix === "") return;
  // A prefix is valid exactly when appending one ordinary character makes a valid name.
  const problem = typeof prefix === "string" ? nameProblem(prefix + "x") : "must be a string";
  if (problem !== undefined) throw new InvalidObjectNameError(`invalid list prefix: ${problem}`);
}

/** Throws `RangeError` naming the field unless `range` has non-negative safe-integer `offset` and `length`. */
export function checkRange(range: GetRange): void {
  for (const field of ["offset", "length"] as const) {
    const v = range[field];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`range.${field} must be a non-negative safe integer`);
    }
  }
}
