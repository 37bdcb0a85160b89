/**
 * The targets of issues #2, #3, #4 and #7, evaluated on one run's results. Every target
 * is a ratio measured in the same run on the same machine; a target whose inputs were
 * not measured is `met: null`, never guessed.
 */
import type { Ceilings, EngineRow, Operation, TargetResult, Tool, VaultRow } from "./results.ts";
import { ratio, sig } from "./stats.ts";

export function findRow(rows: readonly EngineRow[], tool: Tool, op: Operation): EngineRow | undefined {
  const r = rows.find((x) => x.tool === tool && x.operation === op);
  return r?.measured ? r : undefined;
}

function target(id: string, text: string, value: number | null, threshold: number, higherIsBetter: boolean, detail: string, strict = false): TargetResult {
  const met = value == null ? null : higherIsBetter ? value >= threshold : strict ? value < threshold : value <= threshold;
  return { id, target: text, value, threshold, met, detail };
}

/** Speed-up of chatvault over a peer for one operation: peer median ÷ chatvault median (> 1 = chatvault faster). */
export function speedup(rows: readonly EngineRow[], op: Operation, peer: Tool): number | null {
  return ratio(findRow(rows, peer, op)?.wall_s?.median, findRow(rows, "chatvault", op)?.wall_s?.median);
}

export function evaluateTargets(rows: readonly EngineRow[], ceilings: Ceilings | null, vault: readonly VaultRow[]): TargetResult[] {
  const out: TargetResult[] = [];
  const cv = (op: Operation) => findRow(rows, "chatvault", op);
  const rs = (op: Operation) => findRow(rows, "restic", op);

  const fullTp = ratio(cv("full")?.mb_per_s, rs("full")?.mb_per_s);
  out.push(target("full_throughput", "full backup ≥ 2× restic's throughput", fullTp, 2, true,
    `chatvault ${sig(cv("full")?.mb_per_s)} MB/s vs restic ${sig(rs("full")?.mb_per_s)} MB/s`));

  const inc = speedup(rows, "incremental", "restic");
  out.push(target("incremental_speed", "day-after incremental ≥ 3× faster than restic", inc, 3, true,
    `chatvault ${sig(cv("incremental")?.wall_s?.median)} s vs restic ${sig(rs("incremental")?.wall_s?.median)} s (medians)`));

  const incRow = cv("incremental");
  const stored = ratio(incRow?.bytes_stored, incRow?.physical_minimum_bytes);
  out.push(target("incremental_stored", "day-after incremental stores ≤ 1.5× the day's physical minimum", stored, 1.5, false,
    `chatvault stored ${mb(incRow?.bytes_stored)} for a minimum of ${mb(incRow?.physical_minimum_bytes)}; restic ${mb(rs("incremental")?.bytes_stored)}, borg ${mb(findRow(rows, "borg", "incremental")?.bytes_stored)}`));

  const noch = ratio(cv("nochange")?.wall_s?.median, rs("nochange")?.wall_s?.median);
  out.push(target("nochange_time", "no-change backup ≤ ½ of restic's time", noch, 0.5, false,
    `chatvault ${sig(cv("nochange")?.wall_s?.median)} s vs restic ${sig(rs("nochange")?.wall_s?.median)} s (medians)`));

  const rest = speedup(rows, "restore", "restic");
  out.push(target("restore_speed", "restore (verified, durable) ≥ 1.5× restic", rest, 1.5, true,
    `chatvault ${sig(cv("restore")?.wall_s?.median)} s vs restic ${sig(rs("restore")?.wall_s?.median)} s (medians)`));

  // Peak RSS: the worst operation's ratio decides.
  let worst: number | null = null;
  let worstOp = "";
  for (const op of ["full", "nochange", "incremental", "restore"] as const) {
    const r = ratio(cv(op)?.peak_rss_mib, rs(op)?.peak_rss_mib);
    if (r != null && (worst == null || r > worst)) {
      worst = r;
      worstOp = op;
    }
  }
  out.push(target("peak_rss", "peak RSS ≤ restic's (every operation)", worst, 1, false,
    worst == null ? "not measured" : `worst: ${worstOp}, chatvault ${sig(cv(worstOp as Operation)?.peak_rss_mib)} MiB vs restic ${sig(rs(worstOp as Operation)?.peak_rss_mib)} MiB`));

  if (ceilings) {
    out.push(target("seal_ratio", "sealing ≥ 0.9× raw AES-256-GCM (issue #2)", ceilings.seal_object_ratio, 0.9, true,
      `sealObject ${sig(ceilings.seal_object_mib_s)} MiB/s vs AES-GCM ${sig(ceilings.aes_gcm_mib_s)} MiB/s (64 KiB pieces: ${sig(ceilings.aes_gcm_64k_mib_s / ceilings.aes_gcm_mib_s)}×); chunk path ${ceilings.seal_chunk_ratio == null ? "not measured" : `${sig(ceilings.seal_chunk_ratio)}×`}; STREAM seal ${sig(ceilings.seal_stream_ratio)}×, open ${sig(ceilings.open_stream_ratio)}×`));
    out.push(target("chunker_ratio", "chunker ≥ 0.4× raw AES-256-GCM (issue #2)", ceilings.chunker_ratio, 0.4, true,
      `chunker ${sig(ceilings.chunker_mib_s)} MiB/s`));
  }

  for (const backend of ["sqlite", "postgres"] as const) {
    const peak = vault.find((v) => v.backend === backend && v.load === "peak" && v.measured && v.ceiling_ratio != null);
    const best = vault.filter((v) => v.backend === backend && v.load === "peak" && v.measured)
      .reduce<VaultRow | undefined>((a, b) => (a && (a.ceiling_ratio ?? 0) >= (b.ceiling_ratio ?? 0) ? a : b), undefined);
    out.push(target(`vault_${backend}_throughput`, `vault (${backend}) ≥ 0.7× the two-core OPAQUE ceiling`, best?.ceiling_ratio ?? null, 0.7, true,
      peak && best ? `${sig(best.unlocks_per_s)} unlocks/s at concurrency ${best.concurrency}, ${best.nodes} node(s)` : "not measured"));
    const half = vault.find((v) => v.backend === backend && v.load === "half" && v.measured);
    out.push(target(`vault_${backend}_p99`, `vault (${backend}) p99 < 50 ms at half the ceiling`, half?.p99_ms ?? null, 50, false,
      half ? `p99 ${sig(half.p99_ms)} ms, p50 ${sig(half.p50_ms)} ms at ${sig(half.unlocks_per_s)} unlocks/s` : "not measured", true));
  }
  return out;
}

function mb(b: number | null | undefined): string {
  return b == null ? "—" : `${sig(b / 1e6)} MB`;
}
