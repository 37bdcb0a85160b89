/**
 * Where the database copy goes when it can go to memory (docs/performance.md, "Day-after:
 * the copy on a memory file system"). The copy is private, read once and deleted at the
 * end of the run: it needs no durability, yet on a disk SQLite's `synchronous=FULL` (the
 * destination connection is opened by better-sqlite3's `backup()`, with SQLite's default)
 * makes the run wait for the copy's fsyncs and the file system's journal. On a tmpfs an
 * fsync is free and nothing is written back. The backup API is used exactly as before
 * (DESIGN §5); only the folder differs.
 *
 * A tmpfs is used only when it has room for the copy with a margin and the machine has
 * the memory for it (tmpfs pages are RAM): a copy that would crowd memory stays on disk.
 * A tmpfs that fills up during the copy is not an error: the copy is made again on disk
 * (snapshot.ts, `fallbackDir`).
 */
import { readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { freemem } from "node:os";
import { join } from "node:path";
import { makeRunDir, privateTempRoot } from "../work-dir.ts";

/** `f_type` of a tmpfs in statfs(2) (linux/magic.h `TMPFS_MAGIC`). */
export const TMPFS_MAGIC = 0x01021994;

/** Free space a tmpfs keeps beyond the copy (others use it too). */
const TMPFS_MARGIN = 64 * 1024 * 1024;
/** Memory the machine keeps beyond twice the copy. */
const MEMORY_MARGIN = 256 * 1024 * 1024;

/** What {@link memoryTempBase} looks at; tests replace the file system and the memory figure. */
export interface MemoryDirProbe {
  /** Candidate folders, best first (default: `$XDG_RUNTIME_DIR`, then `/dev/shm`). */
  candidates?: readonly string[];
  /** statfs(2) of a folder (default: node:fs). */
  statfs?: (path: string) => Promise<{ type: number; bsize: number; bavail: number }>;
  /** Memory available to new allocations, bytes (default: {@link availableMemory}). */
  freeMemory?: () => number;
}

/**
 * Memory this process can still use: the machine's available memory (os.freemem, Linux's
 * MemAvailable), or less when its memory cgroup (a container's limit) leaves less —
 * tmpfs pages count against the cgroup of whoever writes them.
 */
export function availableMemory(): number {
  return Math.min(freemem(), cgroupHeadroom());
}

/** limit − usage of this process's memory cgroup (v2, else v1); Infinity when there is no limit or it cannot be read. */
export function cgroupHeadroom(procCgroup = "/proc/self/cgroup", root = "/sys/fs/cgroup"): number {
  let lines: string[];
  try {
    lines = readFileSync(procCgroup, "utf8").split("\n");
  } catch {
    return Infinity;
  }
  const v2 = lines.find((l) => l.startsWith("0::"))?.slice(3);
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l))?.replace(/^[^:]*:[^:]*:/, "");
  const tries: [string, string][] = [];
  if (v2 !== undefined) tries.push([join(root, v2, "memory.max"), join(root, v2, "memory.current")], [join(root, "memory.max"), join(root, "memory.current")]);
  if (v1 !== undefined) {
    tries.push([join(root, "memory", v1, "memory.limit_in_bytes"), join(root, "memory", v1, "memory.usage_in_bytes")]);
    tries.push([join(root, "memory", "memory.limit_in_bytes"), join(root, "memory", "memory.usage_in_bytes")]);
  }
  for (const [limitFile, usageFile] of tries) {
    try {
      const limit = Number(readFileSync(limitFile, "utf8").trim());
      const usage = Number(readFileSync(usageFile, "utf8").trim());
      // "max" (v2) and v1's 2^63-ish "no limit" are no limit.
      if (!Number.isFinite(limit) || limit >= 2 ** 60 || !Number.isFinite(usage)) return Infinity;
      return Math.max(0, limit - usage);
    } catch {
      continue;
    }
  }
  return Infinity;
}

/**
 * Default candidates: the user's runtime folder (a tmpfs of their own on systemd systems),
 * then the shared-memory tmpfs — none when `TMPDIR` is set: a user who names the temp
 * folder gets the copy there (docs/cli.md), full or not.
 */
export function defaultMemoryCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.TMPDIR) return [];
  return [...(env.XDG_RUNTIME_DIR ? [env.XDG_RUNTIME_DIR] : []), "/dev/shm"];
}

/**
 * The first candidate folder that is a tmpfs with room for `bytes` more (plus a margin)
 * while the machine keeps twice that in free memory; undefined when none is (not Linux,
 * no tmpfs, too little room or memory — then the copy goes to the usual temp folder).
 */
export async function memoryTempBase(bytes: number, probe: MemoryDirProbe = {}): Promise<string | undefined> {
  const candidates = probe.candidates ?? defaultMemoryCandidates();
  const stat = probe.statfs ?? ((p: string) => statfs(p));
  const free = (probe.freeMemory ?? availableMemory)();
  if (!(free >= 2 * bytes + MEMORY_MARGIN)) return undefined;
  for (const dir of candidates) {
    let s: { type: number; bsize: number; bavail: number };
    try {
      s = await stat(dir);
    } catch {
      continue;
    }
    if (s.type === TMPFS_MAGIC && s.bsize * s.bavail >= bytes + TMPFS_MARGIN) return dir;
  }
  return undefined;
}

/**
 * A private run folder for the copy on a memory file system (`<tmpfs>/chatvault-<uid>/
 * chatvault-backup-<pid>-…`, 0700, swept like the disk one: work-dir.ts), or undefined
 * when {@link memoryTempBase} finds none or the folder cannot be made there (then the
 * caller copies to disk as before). The caller removes it.
 */
export async function memoryRunDir(bytes: number, probe: MemoryDirProbe = {}): Promise<string | undefined> {
  const base = await memoryTempBase(bytes, probe);
  if (base === undefined) return undefined;
  try {
    return await makeRunDir(await privateTempRoot(base), "chatvault-backup-");
  } catch {
    return undefined;
  }
}
