/**
 * How much disk the engine part needs at its peak, and whether the bench's disk has it.
 * The xl corpus (10 GiB of media) and its three repositories and restore take most of
 * this machine's free space, so the bench refuses to start what it could not finish
 * rather than fill the disk halfway through a run. `planDisk` is pure (unit-tested in
 * growth.test.ts); `freeBytes` asks the file system (statfs, what `df` prints as Avail).
 */
import { statfsSync } from "node:fs";
import type { CorpusSize } from "./corpus.ts";
import { MiB } from "./stats.ts";

/** Database bytes per message of the demo store (188 on the small and full corpora), rounded up. */
export const DB_BYTES_PER_MESSAGE = 200;
/** The largest file of a day's media (demo-data's daily mix: 0.5–2.5 MiB). */
const DAY_FILE_MAX = 2.5 * MiB;
/** Caches, temporary files, key files, indexes beside the packs: what is not counted above. */
const SLACK = 2 * 1024 * MiB;

export interface DiskPart {
  what: string;
  bytes: number;
}

export interface DiskPlan {
  /** Estimated corpus bytes (database + media). */
  corpusBytes: number;
  /** What is on disk at the worst moment, part by part. */
  parts: DiskPart[];
  peakBytes: number;
}

/**
 * The worst moment of a run: the generated corpus, a working copy of it (only when there
 * are several runs: the last run, or the only one, uses the generated corpus itself), the
 * day's new media, one repository per tool (encrypted media does not shrink, so each is
 * counted as the whole corpus), and then the larger of one restore (each tool's restore
 * and repository are deleted once its rows are measured) and the two database copies of
 * the backups (the bench's copy for the page count, chatvault's own copy), and slack.
 */
export function planDisk(size: CorpusSize, runs: number, tools: number): DiskPlan {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError("runs must be an integer ≥ 1");
  if (!Number.isInteger(tools) || tools < 0) throw new RangeError("tools must be an integer ≥ 0");
  const db = size.messages * DB_BYTES_PER_MESSAGE;
  const corpusBytes = db + size.mediaMiB * MiB;
  const restore = tools > 0 ? corpusBytes : 0;
  const parts: DiskPart[] = [
    { what: "generated corpus", bytes: corpusBytes },
    { what: "working copy of the corpus (runs > 1)", bytes: runs > 1 ? corpusBytes : 0 },
    { what: "the day's new media", bytes: size.dayMediaFiles * DAY_FILE_MAX },
    { what: `${tools} repositories`, bytes: tools * corpusBytes },
    restore >= 2 * db ? { what: "one restore", bytes: restore } : { what: "database copies", bytes: 2 * db },
    { what: "caches and slack", bytes: SLACK },
  ].filter((p) => p.bytes > 0);
  return { corpusBytes, parts, peakBytes: parts.reduce((a, p) => a + p.bytes, 0) };
}

/** Bytes an unprivileged process can still write on the file system holding `path`. */
export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

/** The run was refused before it started: the disk cannot hold its peak. */
export class DiskSpaceError extends Error {
  readonly code = "ENOSPC_PLANNED";
  override name = "DiskSpaceError";
}

const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/**
 * The refusal when the plan does not fit, or null when it does (with 5% of the free
 * space kept back: the rest of the machine keeps writing logs and databases meanwhile).
 */
export function diskShortfall(plan: DiskPlan, free: number, where: string): string | null {
  if (plan.peakBytes <= free * 0.95) return null;
  return (
    `not enough disk for this run: it needs about ${gb(plan.peakBytes)} at its peak on ${where}, which has ${gb(free)} free ` +
    `(${gb(free * 0.95)} of it usable: 5% is kept back). The peak: ${plan.parts.map((p) => `${p.what} ${gb(p.bytes)}`).join(", ")}. ` +
    `Free some space, ${plan.parts.some((p) => p.what.startsWith("working copy")) ? "use --runs 1, " : ""}measure fewer tools (--tools), or point --work at a bigger disk.`
  );
}
