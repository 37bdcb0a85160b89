/**
 * The benchmark's corpus and what it costs at least to back up a day of it: the demo
 * chat history (DB + media), the "one day later" change, the pages that change, and
 * sha256 of whole trees for verifying restores.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface CorpusSize {
  messages: number;
  mediaMiB: number;
  /** The "day later": new messages and new media files. */
  dayMessages: number;
  dayMediaFiles: number;
  /** `--runs` when the command line gives none (3 unless one run already takes long). */
  defaultRuns: number;
}

/**
 * The corpora. A day of chat is the same whatever the history's size (small, full and xl
 * share it), so the day-after and no-change rows show how cost grows with the history.
 * xl defaults to one run: its engine part alone takes tens of minutes here.
 */
export const SIZES: Record<string, CorpusSize> = {
  xl: { messages: 10_000_000, mediaMiB: 10240, dayMessages: 2000, dayMediaFiles: 20, defaultRuns: 1 },
  full: { messages: 1_000_000, mediaMiB: 1024, dayMessages: 2000, dayMediaFiles: 20, defaultRuns: 3 },
  small: { messages: 100_000, mediaMiB: 100, dayMessages: 2000, dayMediaFiles: 20, defaultRuns: 3 },
  tiny: { messages: 5000, mediaMiB: 4, dayMessages: 200, dayMediaFiles: 2, defaultRuns: 3 },
};

export const CORPUS_SEED = "chatvault-bench-1";
export const DAY_SEED = "chatvault-bench-day-1";

/**
 * Number of `pageSize` pages that differ between two files (a page present in only one
 * of them counts as changed). Read in blocks: bounded memory whatever the DB size.
 */
export function changedPages(a: string, b: string, pageSize: number): number {
  const block = pageSize * 256;
  const fa = openSync(a, "r");
  const fb = openSync(b, "r");
  try {
    const ba = Buffer.alloc(block);
    const bb = Buffer.alloc(block);
    let changed = 0;
    for (let pos = 0; ; pos += block) {
      const na = readSync(fa, ba, 0, block, pos);
      const nb = readSync(fb, bb, 0, block, pos);
      if (na === 0 && nb === 0) break;
      const n = Math.max(na, nb);
      for (let off = 0; off < n; off += pageSize) {
        const endA = Math.min(na, off + pageSize);
        const endB = Math.min(nb, off + pageSize);
        if (endA - off !== endB - off || !ba.subarray(off, endA).equals(bb.subarray(off, endB))) changed++;
      }
    }
    return changed;
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

/** sha256 of every file under `dir`, keyed by path relative to `dir`. */
export function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(dir, p), fileSha256(p));
    }
  };
  walk(dir);
  return out;
}

export function fileSha256(p: string): string {
  const h = createHash("sha256");
  const fd = openSync(p, "r");
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/** Calls `visit` for every regular file under `dir` (nothing when `dir` is missing). */
function forEachFile(dir: string, visit: (path: string, size: number) => void): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) forEachFile(p, visit);
    else if (st.isFile()) visit(p, st.size);
  }
}

/**
 * Reads every file under `dir` once and throws the bytes away: what a timed operation
 * reads next comes from the page cache, as it does for every tool and every corpus size.
 */
export function warmTree(dir: string): void {
  const buf = Buffer.alloc(4 * 1024 * 1024);
  forEachFile(dir, (p) => {
    const fd = openSync(p, "r");
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  });
}

/** Sum of the sizes of every file under `dir` (what the repository holds), 0 if missing. */
export function treeBytes(dir: string): number {
  let total = 0;
  forEachFile(dir, (_p, size) => (total += size));
  return total;
}

/**
 * The chat history proper: the database and the media. SQLite's -wal/-shm sidecars are
 * left out — any open connection (the app's, or a backup's read transaction) creates
 * them, they hold nothing once the last writer closed, and chatvault saves the database
 * through SQLite's backup API instead of copying them.
 */
export function chatFiles(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree].filter(([k]) => !/^[^/]+\.db-(wal|shm|journal)$/.test(k)));
}

/** Differences between two hash maps, as readable lines (empty when identical). */
export function diffTrees(want: Map<string, string>, got: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of want) {
    const g = got.get(k);
    if (g === undefined) out.push(`missing ${k}`);
    else if (g !== v) out.push(`differs ${k}`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`unexpected ${k}`);
  return out;
}

export function readJson<T>(p: string): T {
  return JSON.parse(readFileSync(p, "utf8")) as T;
}
