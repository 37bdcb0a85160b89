/**
 * The threshold vault against the single vault, in one run on loopback (the
 * threshold-realms target, docs/performance.md, Targets: a 2-of-3 unlock ≤ 1.5× a
 * single-vault unlock at p50; a realm serves ≥ 0.8× the unlocks per CPU-second of the
 * single vault). Three vault processes (SQLite, one worker each), each its own data folder
 * and token secret, are the three realms; the first one's /v1 is the single vault (the same
 * server, so the comparison is protocol against protocol).
 *
 * Latency: unlocks one at a time (p50 of each), the two modes alternated in slices. Throughput: a closed loop at concurrency
 * 8 over distinct accounts; the CPU of each vault process is read from /proc, and a
 * realm's figure is the unlocks that completed ÷ that realm's CPU-seconds (the worst of
 * the three is compared). Both clients use the cheap test-only Argon2id (8 KiB), so the
 * figures compare the protocols, not the client's password hashing (with the default
 * 64 MiB Argon2id the client's ~65–300 ms dominate both and the latency ratio nears 1).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { useNodeCrypto } from "@chatvault/format/node";
import type { VaultClient } from "@chatvault/vault-protocol";
import { unlock, type ThresholdContext } from "@chatvault/vault-protocol/threshold";
import { type BenchRealms, startBenchRealms } from "./realm-processes.ts";
import type { TargetResult } from "./results.ts";
import { sig } from "./stats.ts";
import { type LoadResult, closedLoop, summarize } from "./vault-load.ts";
import { treeCpuSeconds } from "./vault-process.ts";

const PASSWORD = "correct horse battery staple (bench)";
const PLANS: Record<string, { seconds: number; concurrency: number; maxUnlocks: number }> = {
  tiny: { seconds: 1, concurrency: 4, maxUnlocks: 200 },
  small: { seconds: 3, concurrency: 8, maxUnlocks: 3000 },
  full: { seconds: 6, concurrency: 8, maxUnlocks: 10000 },
};

/** Slices per mode of the sequential part, alternated single / realms (see runRealmBench). */
const SEQUENTIAL_SLICES = 6;

/** One load result from several slices of the same mode and concurrency. */
function mergeLoads(rs: LoadResult[]): LoadResult {
  const seconds = rs.reduce((a, r) => a + r.seconds, 0);
  return {
    unlocks: rs.reduce((a, r) => a + r.unlocks, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    firstError: rs.find((r) => r.firstError !== undefined)?.firstError,
    seconds,
    latenciesMs: rs.flatMap((r) => r.latenciesMs),
    loadgenCpuCores: seconds > 0 ? rs.reduce((a, r) => a + r.loadgenCpuCores * r.seconds, 0) / seconds : 0,
  };
}

export interface RealmBenchRow {
  /** "single vault" or "2-of-3 realms". */
  mode: "single" | "realms";
  load: "sequential" | "peak";
  concurrency: number;
  measured: boolean;
  reason?: string;
  unlocks: number;
  errors: number;
  unlocks_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  /** Peak only: unlocks per CPU-second of the vault (single) or of each realm (realms, in order). */
  unlocks_per_cpu_s: number[] | null;
  /** Sequential only: CPU ms of this (the client's) process per unlock, process.cpuUsage. */
  client_cpu_ms?: number | null;
}

export interface RealmBench {
  rows: RealmBenchRow[];
  /** realms p50 ÷ single p50 (sequential). */
  latency_ratio: number | null;
  /** worst realm's unlocks per CPU-second ÷ the single vault's. */
  cpu_ratio: number | null;
}

export async function runRealmBench(o: { sizeName: string; log: (l: string) => void; notes: string[]; work: string }): Promise<RealmBench> {
  useNodeCrypto();
  const plan = PLANS[o.sizeName] ?? PLANS.full!;
  const dir = join(o.work, "realms");
  rmSync(dir, { recursive: true, force: true });
  const rows: RealmBenchRow[] = [];
  let realms: BenchRealms | undefined;
  try {
    realms = await startBenchRealms(dir, 256);
    const { nodes } = realms;
    const accounts = plan.concurrency + 4;
    o.log(`realms: 3 realm processes at ${nodes.map((n) => n.url).join(", ")}; registering ${accounts} accounts in each mode`);
    const single: VaultClient[] = [];
    const threshold: ThresholdContext[] = [];
    for (let a = 0; a < accounts; a++) {
      const clients = await realms.enrol(`realm-bench-${a}`, PASSWORD);
      single.push(clients.single);
      threshold.push(clients.realms);
    }
    const modes = {
      single: (a: number) => single[a]!.unlock(PASSWORD),
      realms: (a: number) => unlock(threshold[a]!, PASSWORD),
    } as const;
    for (const m of ["single", "realms"] as const) await closedLoop(modes[m], accounts, 2, Math.min(1, plan.seconds), 200); // warm-up

    const pids = nodes.map((n) => n.proc.pid!);
    const record = (mode: RealmBenchRow["mode"], load: RealmBenchRow["load"], concurrency: number, r: LoadResult, cpu: number[] | null) => {
      const s = summarize(r);
      const row: RealmBenchRow = {
        mode,
        load,
        concurrency,
        measured: r.unlocks > 0,
        unlocks: r.unlocks,
        errors: r.errors,
        ...s,
        unlocks_per_cpu_s: cpu ? cpu.map((c) => (c > 0 ? r.unlocks / c : 0)) : null,
        ...(r.unlocks === 0 ? { reason: `every unlock failed: ${r.firstError ?? "?"}` } : {}),
      };
      if (r.errors > 0) o.notes.push(`realms bench (${mode}, ${load}): ${r.errors} unlocks failed, first: ${r.firstError}`);
      rows.push(row);
      o.log(
        `realms bench ${mode.padEnd(6)} ${load.padEnd(10)} c=${concurrency} ${sig(s.unlocks_per_s)} unlocks/s, p50 ${sig(s.p50_ms)} ms, p99 ${sig(s.p99_ms)} ms${cpu ? `, unlocks per CPU-s ${row.unlocks_per_cpu_s!.map(sig).join(" / ")}` : ""}`,
      );
      return row;
    };
    // Sequential first (latency): the time is cut into SEQUENTIAL_SLICES slices per mode, run single,
    // realms, single, realms, …, and each mode's slices are merged (p50 over all of its unlocks), so
    // drift on a shared machine (another job starting or ending) hits both modes alike instead of one
    // block of each. The same unlocks, clients, accounts and total time per mode as one block.
    const slices = { single: [] as LoadResult[], realms: [] as LoadResult[] };
    const cpuMs = { single: 0, realms: 0 };
    for (let s = 0; s < SEQUENTIAL_SLICES; s++) {
      for (const m of ["single", "realms"] as const) {
        const c0 = process.cpuUsage();
        slices[m].push(await closedLoop(modes[m], accounts, 1, plan.seconds / SEQUENTIAL_SLICES, Math.ceil(plan.maxUnlocks / SEQUENTIAL_SLICES)));
        const c = process.cpuUsage(c0);
        cpuMs[m] += (c.user + c.system) / 1000;
      }
    }
    for (const m of ["single", "realms"] as const) {
      const r = mergeLoads(slices[m]);
      const row = record(m, "sequential", 1, r, null);
      row.client_cpu_ms = r.unlocks > 0 ? cpuMs[m] / r.unlocks : null;
      o.notes.push(`realms bench (${m}, sequential): client CPU ${sig(row.client_cpu_ms)} ms per unlock (process.cpuUsage of the client process)`);
    }
    for (const m of ["single", "realms"] as const) {
      const before = pids.map((p) => treeCpuSeconds([p]));
      const r = await closedLoop(modes[m], accounts, plan.concurrency, plan.seconds, plan.maxUnlocks);
      const used = pids.map((p, i) => treeCpuSeconds([p]) - before[i]!);
      // The single vault is node 1 alone; the realms are all three.
      record(m, "peak", plan.concurrency, r, m === "single" ? [used[0]!] : used);
    }
  } catch (e) {
    o.notes.push(`realms bench: not measured — ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await realms?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const find = (mode: RealmBenchRow["mode"], load: RealmBenchRow["load"]) => rows.find((r) => r.mode === mode && r.load === load && r.measured);
  const s1 = find("single", "sequential");
  const r1 = find("realms", "sequential");
  const sp = find("single", "peak");
  const rp = find("realms", "peak");
  const latency_ratio = s1?.p50_ms && r1?.p50_ms ? r1.p50_ms / s1.p50_ms : null;
  const singleRate = sp?.unlocks_per_cpu_s?.[0];
  const cpu_ratio = singleRate && rp?.unlocks_per_cpu_s ? Math.min(...rp.unlocks_per_cpu_s) / singleRate : null;
  return { rows, latency_ratio, cpu_ratio };
}

/** The two targets, in the shape of the other targets (targets.ts). */
export function realmTargets(b: RealmBench | null | undefined): TargetResult[] {
  const lat = b?.latency_ratio ?? null;
  const cpu = b?.cpu_ratio ?? null;
  const row = (mode: RealmBenchRow["mode"], load: RealmBenchRow["load"]) => b?.rows.find((r) => r.mode === mode && r.load === load);
  return [
    {
      id: "realms_unlock_latency",
      target: "2-of-3 realms unlock p50 ≤ 1.5× the single vault's (loopback)",
      value: lat,
      threshold: 1.5,
      met: lat == null ? null : lat <= 1.5,
      detail: lat == null ? "not measured" : `p50 ${sig(row("realms", "sequential")?.p50_ms)} ms vs ${sig(row("single", "sequential")?.p50_ms)} ms`,
    },
    {
      id: "realms_cpu_efficiency",
      target: "a realm's unlocks per CPU-second ≥ 0.8× the single vault's",
      value: cpu,
      threshold: 0.8,
      met: cpu == null ? null : cpu >= 0.8,
      detail:
        cpu == null
          ? "not measured"
          : `realms ${row("realms", "peak")?.unlocks_per_cpu_s?.map(sig).join(" / ")} vs single ${sig(row("single", "peak")?.unlocks_per_cpu_s?.[0])} unlocks per CPU-s`,
    },
  ];
}

/** The realm rows of the report table. */
export function realmTable(b: RealmBench | null | undefined): string {
  if (!b || b.rows.length === 0) return "_realms not measured in this run_";
  const lines = [
    "| mode | load | concurrency | unlocks | unlocks/s | p50 | p99 | unlocks per vault CPU-s |",
    "|---|---|---|---|---|---|---|---|",
    ...b.rows.map(
      (r) =>
        `| ${r.mode === "single" ? "single vault" : "2-of-3 realms"} | ${r.load} | ${r.concurrency} | ${r.unlocks}${r.errors ? ` (${r.errors} errors)` : ""} | ${sig(r.unlocks_per_s)} | ${sig(r.p50_ms)} ms | ${sig(r.p99_ms)} ms | ${r.unlocks_per_cpu_s ? r.unlocks_per_cpu_s.map(sig).join(" / ") : "—"} |`,
    ),
    "",
    `Ratios (same run): realms p50 ÷ single p50 = ${sig(b.latency_ratio)}× (target ≤ 1.5×); worst realm's unlocks per CPU-s ÷ single vault's = ${sig(b.cpu_ratio)}× (target ≥ 0.8×).`,
  ];
  return lines.join("\n");
}
