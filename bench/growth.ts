/**
 * How cost grows with the history (docs/performance.md, "Targets", growth rows): this
 * run against the results of another corpus size on the same machine, for chatvault and
 * the peers side by side. The larger corpus is compared to the smaller, whichever of the
 * two runs is the current one:
 *
 * - full backup and restore, time per GB: larger ÷ smaller, ≤ 1.1× (cost is linear in the bytes);
 * - no-change and day-after backups: their time growth ÷ the database's size growth, ≤ 1×
 *   (the day of chat is the same at every size, so only the history's size can make them slower);
 * - peak RSS: the worst operation's larger ÷ smaller, ≤ 1.25× (memory does not grow with the history).
 *
 * Pure: two results in, rows out (growth.test.ts). A figure either run did not measure is null.
 */
import type { EngineRow, Operation, Results, TargetResult, Tool } from "./results.ts";
import { OPERATIONS, TOOLS } from "./results.ts";
import { findRow } from "./targets.ts";
import { ratio, sig, times } from "./stats.ts";

export type GrowthId = "full_time_per_gb" | "restore_time_per_gb" | "nochange_growth" | "incremental_growth" | "peak_rss_growth";

export interface GrowthRow {
  id: GrowthId;
  /** What is compared, in words (without the sizes). */
  metric: string;
  /** The figure must be ≤ this. */
  threshold: number;
  /** The figure per tool; null when either run lacks the tool's row. */
  values: Record<Tool, number | null>;
  /** The inputs of chatvault's figure, readable. */
  detail: string;
}

export interface GrowthRun {
  size: string;
  started: string;
  total_bytes: number;
  db_bytes: number;
}

export interface Growth {
  /** The larger corpus's run and the smaller's (one of them is the current run). */
  larger: GrowthRun;
  smaller: GrowthRun;
  corpus_ratio: number;
  db_ratio: number;
  rows: GrowthRow[];
  /** Why the two runs might not compare (another machine, other tool versions). */
  notes: string[];
}

const THRESHOLDS: Record<GrowthId, number> = {
  full_time_per_gb: 1.1,
  restore_time_per_gb: 1.1,
  nochange_growth: 1,
  incremental_growth: 1,
  peak_rss_growth: 1.25,
};

/**
 * Checks that `json` (a results file another run wrote) has what the growth rows read.
 * @throws {TypeError} naming the file and what is missing
 */
export function parseResults(json: unknown, name: string): Results {
  const r = json as Partial<Results> | null;
  if (typeof r !== "object" || r === null || r.schema !== 1) throw new TypeError(`${name}: not a bench results file (schema 1)`);
  if (!Array.isArray(r.rows) || r.rows.length === 0) throw new TypeError(`${name}: has no engine rows (run with --only engine)`);
  const c = r.corpus;
  if (!c || !(c.total_bytes > 0) || !(c.db_bytes > 0)) throw new TypeError(`${name}: has no corpus sizes`);
  if (typeof r.size !== "string" || typeof r.started !== "string") throw new TypeError(`${name}: has no size or start time`);
  return r as Results;
}

const wall = (rows: readonly EngineRow[], tool: Tool, op: Operation) => findRow(rows, tool, op)?.wall_s?.median ?? null;

/** Time per corpus byte of the larger run ÷ the smaller's (inverse throughput ratio). */
function perGb(big: Results, small: Results, tool: Tool, op: "full" | "restore"): number | null {
  return ratio(findRow(small.rows, tool, op)?.mb_per_s, findRow(big.rows, tool, op)?.mb_per_s);
}

/** The time's growth ÷ the database's growth. */
function vsDb(big: Results, small: Results, tool: Tool, op: Operation, dbRatio: number): number | null {
  return ratio(ratio(wall(big.rows, tool, op), wall(small.rows, tool, op)), dbRatio);
}

/** The worst operation's peak RSS growth, and which operation that is. */
function rssGrowth(big: Results, small: Results, tool: Tool): { value: number | null; op: Operation | null } {
  let worst: { value: number | null; op: Operation | null } = { value: null, op: null };
  for (const op of OPERATIONS) {
    const g = ratio(findRow(big.rows, tool, op)?.peak_rss_mib, findRow(small.rows, tool, op)?.peak_rss_mib);
    if (g != null && (worst.value == null || g > worst.value)) worst = { value: g, op };
  }
  return worst;
}

function perTool(f: (t: Tool) => number | null): Record<Tool, number | null> {
  return Object.fromEntries(TOOLS.map((t) => [t, f(t)])) as Record<Tool, number | null>;
}

function run(r: Results): GrowthRun {
  return { size: r.size, started: r.started, total_bytes: r.corpus!.total_bytes, db_bytes: r.corpus!.db_bytes };
}

/**
 * The growth rows between two runs of different corpus sizes (in either order).
 * @throws {TypeError} when either lacks engine rows or corpus sizes
 */
export function computeGrowth(current: Results, other: Results): Growth {
  parseResults(current, "this run");
  parseResults(other, "the compared run");
  const [big, small] = current.corpus!.total_bytes >= other.corpus!.total_bytes ? [current, other] : [other, current];
  const corpusRatio = big.corpus!.total_bytes / small.corpus!.total_bytes;
  const dbRatio = big.corpus!.db_bytes / small.corpus!.db_bytes;
  const notes: string[] = [];
  if (corpusRatio < 1.5) notes.push(`the two corpora differ by only ${times(corpusRatio)}: growth figures need two sizes (e.g. full and xl)`);
  const mb = big.machine;
  const ms = small.machine;
  if (mb && ms) {
    for (const k of ["cpu", "cores", "memory_gib", "disk"] as const) {
      if (String(mb[k]) !== String(ms[k])) notes.push(`the runs differ in ${k}: ${String(ms[k])} (${small.size}) vs ${String(mb[k])} (${big.size})`);
    }
    for (const t of Object.keys({ ...mb.tools, ...ms.tools })) {
      if (mb.tools[t] !== ms.tools[t]) notes.push(`${t} differs: ${ms.tools[t] ?? "missing"} (${small.size}) vs ${mb.tools[t] ?? "missing"} (${big.size})`);
    }
  }
  const usable = corpusRatio >= 1.5;
  const only = (f: (t: Tool) => number | null) => perTool((t) => (usable ? f(t) : null));
  const s = (op: Operation, r: Results) => sig(wall(r.rows, "chatvault", op));
  const gb = (b: number) => `${sig(b / 1e9)} GB`;
  const rss = (t: Tool) => rssGrowth(big, small, t);
  const cvRss = rss("chatvault");
  const rows: GrowthRow[] = [
    {
      id: "full_time_per_gb",
      metric: "full backup, time per GB",
      threshold: THRESHOLDS.full_time_per_gb,
      values: only((t) => perGb(big, small, t, "full")),
      detail: `chatvault ${s("full", small)} s for ${gb(small.corpus!.total_bytes)} → ${s("full", big)} s for ${gb(big.corpus!.total_bytes)}`,
    },
    {
      id: "restore_time_per_gb",
      metric: "restore (verified), time per GB",
      threshold: THRESHOLDS.restore_time_per_gb,
      values: only((t) => perGb(big, small, t, "restore")),
      detail: `chatvault ${s("restore", small)} s → ${s("restore", big)} s`,
    },
    {
      id: "nochange_growth",
      metric: "no-change backup, time growth ÷ database growth",
      threshold: THRESHOLDS.nochange_growth,
      values: only((t) => vsDb(big, small, t, "nochange", dbRatio)),
      detail: `chatvault ${s("nochange", small)} s → ${s("nochange", big)} s; database ${gb(small.corpus!.db_bytes)} → ${gb(big.corpus!.db_bytes)} (${times(dbRatio)})`,
    },
    {
      id: "incremental_growth",
      metric: "day-after incremental, time growth ÷ database growth",
      threshold: THRESHOLDS.incremental_growth,
      values: only((t) => vsDb(big, small, t, "incremental", dbRatio)),
      detail: `chatvault ${s("incremental", small)} s → ${s("incremental", big)} s; database ${times(dbRatio)}`,
    },
    {
      id: "peak_rss_growth",
      metric: "peak RSS, worst operation's growth",
      threshold: THRESHOLDS.peak_rss_growth,
      values: only((t) => rss(t).value),
      detail:
        cvRss.op == null
          ? "chatvault not measured in both runs"
          : `chatvault ${cvRss.op}: ${sig(findRow(small.rows, "chatvault", cvRss.op)?.peak_rss_mib)} MiB → ${sig(findRow(big.rows, "chatvault", cvRss.op)?.peak_rss_mib)} MiB`,
    },
  ];
  return { larger: run(big), smaller: run(small), corpus_ratio: corpusRatio, db_ratio: dbRatio, rows, notes };
}

/** "xl ÷ full". */
export function growthLabel(g: Growth): string {
  return `${g.larger.size} ÷ ${g.smaller.size}`;
}

/** chatvault's growth figures as targets (met or not), the peers' in the detail. */
export function growthTargets(g: Growth): TargetResult[] {
  return g.rows.map((row) => {
    const v = row.values.chatvault;
    const peers = (["restic", "borg"] as const).map((t) => `${t} ${times(row.values[t])}`).join(", ");
    return {
      id: `growth_${row.id}`,
      target: `${row.metric}, ${growthLabel(g)} ≤ ${row.threshold}×`,
      value: v,
      threshold: row.threshold,
      met: v == null ? null : v <= row.threshold,
      detail: `${row.detail}; ${peers}`,
    };
  });
}

/** The growth rows as a markdown table, chatvault and the peers side by side. */
export function growthTable(g: Growth): string {
  const lines = [
    `| ${growthLabel(g)} (corpus ${times(g.corpus_ratio)}, database ${times(g.db_ratio)}) | at most | chatvault | restic | borg |`,
    "|---|---:|---:|---:|---:|",
  ];
  const cell = (x: number | null, max: number) => (x == null ? "—" : `${times(x)}${x <= max ? "" : " (over)"}`);
  for (const r of g.rows) lines.push(`| ${r.metric} | ${r.threshold}× | ${TOOLS.map((t) => cell(r.values[t], r.threshold)).join(" | ")} |`);
  return lines.join("\n");
}
