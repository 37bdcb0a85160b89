/**
 * chatvault vs restic vs borg on the same corpus, the same disk, in the same run:
 * full backup, no-change backup, day-after incremental, full restore (verified by
 * sha256). Each run starts from a fresh copy of the corpus and fresh repositories; the
 * order of the tools rotates from run to run so none always goes first. Each tool's
 * repository and restore are deleted as soon as its rows are measured, so the disk holds
 * at most the corpus, the repositories and one restore (bench/disk.ts plans for that).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { totalmem } from "node:os";
import { join } from "node:path";
import { generateDemoData, mutateDemoData } from "@chatvault/demo-data";
import { snapshotDatabase } from "@chatvault/sdk/node";
import { CORPUS_SEED, type CorpusSize, DAY_SEED, changedPages, chatFiles, diffTrees, fileSha256, treeBytes, treeHashes, warmTree } from "./corpus.ts";
import { freeBytes } from "./disk.ts";
import { runChecked, runMeasured } from "./measure.ts";
import type { Corpus, DiskUse, EngineRow, Operation, Tool } from "./results.ts";
import { OPERATIONS } from "./results.ts";
import { mbPerSecond, median, min, spread } from "./stats.ts";
import type { BackupTool, ToolContext } from "./tools.ts";

export interface EngineOptions {
  size: CorpusSize;
  runs: number;
  /** bench/work: everything is created under `<work>/engine` and removed at the end. */
  work: string;
  tools: BackupTool[];
  log: (line: string) => void;
}

export interface EngineOutput {
  corpus: Corpus;
  rows: EngineRow[];
  notes: string[];
  disk: DiskUse;
}

interface Samples {
  wall: number[];
  command: number[];
  rss: number[];
  stored: number[];
  verified: boolean;
}

const INSTALL_HINT = "install the peers with: apt-get install -y restic borgbackup";

function syncAll(): void {
  spawnSync("sync", [], { stdio: "ignore" });
}

export async function runEngineBench(opts: EngineOptions): Promise<EngineOutput> {
  const { size, runs, log } = opts;
  const root = join(opts.work, "engine");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const notes: string[] = [];
  const disk: DiskUse = { free_at_start_bytes: freeBytes(root), lowest_free_bytes: freeBytes(root), lowest_free_after: "start" };
  const watchDisk = (after: string) => {
    const free = freeBytes(root);
    if (free < disk.lowest_free_bytes) Object.assign(disk, { lowest_free_bytes: free, lowest_free_after: after });
  };
  try {
    log(`generating corpus: ${size.messages.toLocaleString("en-US")} messages + ${size.mediaMiB} MiB media`);
    const pristine = join(root, "pristine");
    const genStart = performance.now();
    const genCpu = process.cpuUsage();
    const gen = await generateDemoData({ outDir: pristine, messages: size.messages, mediaMiB: size.mediaMiB, seed: CORPUS_SEED });
    const cpu = process.cpuUsage(genCpu);
    const generateS = (performance.now() - genStart) / 1000;
    const dbBytes = statSync(gen.dbPath).size;
    log(
      `generated in ${generateS.toFixed(1)} s (${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s): DB ${(dbBytes / 1e6).toFixed(0)} MB + media ${(gen.mediaBytes / 1e6).toFixed(0)} MB`,
    );
    watchDisk("generating the corpus");
    const corpus: Corpus = {
      messages: gen.messages,
      media_mib: size.mediaMiB,
      db_bytes: dbBytes,
      media_bytes: gen.mediaBytes,
      media_files: gen.mediaFiles,
      total_bytes: dbBytes + gen.mediaBytes,
      generate_s: generateS,
      generate_cpu_s: (cpu.user + cpu.system) / 1e6,
      day: null,
    };
    // Inputs are read through the page cache before each timed operation (not timed), so
    // every tool, and every corpus size, meets them cached — unless they cannot all fit.
    // 0.7: xl (12.6 GB) fits on this 25 GB machine with room for what the operation writes.
    const cacheFits = corpus.total_bytes < 0.7 * totalmem();
    if (!cacheFits) {
      notes.push(
        `the corpus (${(corpus.total_bytes / 1e9).toFixed(1)} GB) is more than 70% of the memory (${(totalmem() / 1e9).toFixed(1)} GB): part of each tool's input came from the disk, not the page cache`,
      );
    }

    const failed = new Map<Tool, string>();
    const tools: BackupTool[] = [];
    for (const t of opts.tools) {
      if (t.version() == null) {
        failed.set(t.name, `not installed (${INSTALL_HINT})`);
        log(`${t.name} is not installed: its rows are "not measured". ${INSTALL_HINT}`);
      } else tools.push(t);
    }
    const samples = new Map<string, Samples>();
    const slot = (t: Tool, op: Operation) => {
      const k = `${t}/${op}`;
      let s = samples.get(k);
      if (!s) samples.set(k, (s = { wall: [], command: [], rss: [], stored: [], verified: true }));
      return s;
    };
    let restoredBytes = 0;

    for (let run = 0; run < runs; run++) {
      const work = join(root, "run");
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      const ctx: ToolContext = { work };
      // A fresh copy (new inodes, original mtimes): every tool meets the corpus for the first
      // time. The last run takes the generated corpus itself (as fresh to the tools), so one
      // run never holds two copies on the disk.
      if (run < runs - 1) await runChecked("cp", ["-a", pristine, join(work, "src")]);
      else renameSync(pristine, join(work, "src"));
      const live = tools.filter((t) => !failed.has(t.name));
      const order = live.map((_, i) => live[(i + run) % live.length]!);
      const repo = (t: BackupTool) => join(work, `repo-${t.name}`);
      const attempt = async (t: BackupTool, op: Operation, fn: () => Promise<void>) => {
        if (failed.has(t.name)) return;
        try {
          await fn();
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          failed.set(t.name, `${op} failed in run ${run + 1}: ${why}`);
          log(`${t.name} ${op} FAILED: ${why}`);
          rmSync(repo(t), { recursive: true, force: true }); // nothing more is measured on it
        }
      };
      const backupOp = (t: BackupTool, op: Operation) =>
        attempt(t, op, async () => {
          if (op === "full") await t.init(ctx, repo(t));
          const before = treeBytes(repo(t));
          if (cacheFits) warmTree(join(work, "src"));
          syncAll();
          const r = await t.backup(ctx, repo(t));
          watchDisk(`${t.name} ${op}`);
          const s = slot(t.name, op);
          s.wall.push(r.wallSeconds);
          s.command.push(r.commandSeconds);
          s.rss.push(r.peakRssMiB);
          s.stored.push(treeBytes(repo(t)) - (op === "full" ? 0 : before));
          log(
            `run ${run + 1}/${runs} ${t.name.padEnd(9)} ${op.padEnd(11)} ${r.wallSeconds.toFixed(2)} s, ${r.peakRssMiB.toFixed(0)} MiB, +${((s.stored.at(-1) ?? 0) / 1e6).toFixed(1)} MB`,
          );
        });

      for (const t of order) await backupOp(t, "full");
      for (const t of order) await backupOp(t, "nochange");

      // The day after. The first run also measures the physical minimum (the change is deterministic).
      const dbPath = join(work, "src", "msgstore.db");
      const snapDir = join(work, "snap");
      mkdirSync(snapDir, { recursive: true });
      const before = run === 0 ? await snapshotDatabase(dbPath, snapDir) : null;
      const change = await mutateDemoData({ dir: join(work, "src"), messages: size.dayMessages, mediaFiles: size.dayMediaFiles, seed: DAY_SEED });
      const after = await snapshotDatabase(dbPath, snapDir);
      if (before) {
        const pages = changedPages(before.path, after.path, after.pageSize);
        corpus.day = {
          messages: change.messagesAdded,
          media_files: change.mediaFiles.length,
          media_bytes: change.mediaBytes,
          page_size: after.pageSize,
          changed_pages: pages,
          changed_page_bytes: pages * after.pageSize,
          physical_minimum_bytes: pages * after.pageSize + change.mediaBytes,
        };
        log(
          `day after: ${pages} changed pages (${((pages * after.pageSize) / 1e6).toFixed(1)} MB) + ${(change.mediaBytes / 1e6).toFixed(1)} MB new media = physical minimum ${(corpus.day.physical_minimum_bytes / 1e6).toFixed(1)} MB`,
        );
        rmSync(before.path, { force: true });
      }
      for (const t of order) await backupOp(t, "incremental");

      // Restore the latest snapshot, then check every file by sha256 (not timed).
      const want = chatFiles(treeHashes(join(work, "src")));
      const wantCv = new Map(want);
      wantCv.set("msgstore.db", fileSha256(after.path)); // chatvault restores the backup-API copy
      rmSync(snapDir, { recursive: true, force: true });
      restoredBytes = treeBytes(join(work, "src"));
      for (const t of order) {
        const to = join(work, `out-${t.name}`);
        await attempt(t, "restore", async () => {
          if (cacheFits) warmTree(repo(t));
          syncAll();
          const r = await t.restore(ctx, repo(t), to);
          watchDisk(`${t.name} restore`);
          const diff = diffTrees(t.dbRestoredAs === "sqlite-backup" ? wantCv : want, chatFiles(treeHashes(r.root)));
          const s = slot(t.name, "restore");
          s.wall.push(r.wallSeconds);
          s.command.push(r.commandSeconds);
          s.rss.push(r.peakRssMiB);
          if (diff.length > 0) {
            s.verified = false;
            throw new Error(`restored tree differs from the source: ${diff.slice(0, 5).join(", ")}${diff.length > 5 ? ` (+${diff.length - 5})` : ""}`);
          }
          log(
            `run ${run + 1}/${runs} ${t.name.padEnd(9)} restore     ${r.wallSeconds.toFixed(2)} s, ${r.peakRssMiB.toFixed(0)} MiB, verified ${want.size} files`,
          );
        });
        // This tool's rows of the run are measured: its restore and repository go now.
        rmSync(to, { recursive: true, force: true });
        rmSync(repo(t), { recursive: true, force: true });
      }
      rmSync(work, { recursive: true, force: true });
    }

    const rows: EngineRow[] = [];
    for (const t of opts.tools) {
      for (const op of OPERATIONS) {
        const s = samples.get(`${t.name}/${op}`);
        const reason = failed.get(t.name);
        if (!s || s.wall.length < runs || reason) {
          rows.push({
            tool: t.name,
            operation: op,
            measured: false,
            reason: reason ?? "no samples",
            wall_s: null,
            samples_s: s?.wall ?? [],
            command_s: null,
            mb_per_s: null,
            peak_rss_mib: null,
            bytes_stored: null,
            ...(op === "incremental" && corpus.day ? { physical_minimum_bytes: corpus.day.physical_minimum_bytes } : {}),
          });
          continue;
        }
        const wall = spread(s.wall);
        const bytes = op === "restore" ? restoredBytes : corpus.total_bytes;
        rows.push({
          tool: t.name,
          operation: op,
          measured: true,
          wall_s: wall,
          samples_s: s.wall,
          command_s: spread(s.command),
          mb_per_s: mbPerSecond(bytes, wall.median),
          peak_rss_mib: Math.max(...s.rss),
          bytes_stored: op === "restore" ? null : median(s.stored),
          ...(op === "incremental" && corpus.day ? { physical_minimum_bytes: corpus.day.physical_minimum_bytes } : {}),
          ...(op === "restore" ? { verified: s.verified } : {}),
        });
      }
    }
    for (const [tool, why] of failed) notes.push(`${tool}: not measured — ${why}`);
    notes.push(
      `disk: ${(disk.free_at_start_bytes / 1e9).toFixed(1)} GB free at the start of the engine part, lowest ${(disk.lowest_free_bytes / 1e9).toFixed(1)} GB (after ${disk.lowest_free_after})`,
    );
    return { corpus, rows, notes, disk };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Start-up cost of each tool's process (min of 5 runs of a no-op command), seconds. */
export async function startupCosts(commands: Record<string, string[]>): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const [name, cmd] of Object.entries(commands)) {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        const r = await runMeasured(cmd[0]!, cmd.slice(1));
        if (r.code === 0) xs.push(r.wallSeconds);
      } catch {
        break;
      }
    }
    out[name] = xs.length > 0 ? min(xs) : null;
  }
  return out;
}
