/**
 * The performance targets (docs/performance.md, "Targets"), evaluated on one run's
 * results. Every time target is a ratio to the faster of restic and borg measured in the
 * same run on the same machine; where that would sit below a floor no tool can pass here
 * (the disk's durable write rate, measured by the crypto part of the same run), the
 * target becomes "within 1.15× of the floor" and the row says so. A target whose inputs
 * were not measured is `met: null`, never guessed.
 */
import type { Ceilings, EngineRow, Operation, TargetResult, Tool, VaultRow } from "./results.ts";
import { ratio, sig } from "./stats.ts";

export function findRow(rows: readonly EngineRow[], tool: Tool, op: Operation): EngineRow | undefined {
  const r = rows.find((x) => x.tool === tool && x.operation === op);
  return r?.measured ? r : undefined;
}

function target(id: string, text: string, value: number | null, threshold: number, higherIsBetter: boolean, detail: string): TargetResult {
  const met = value == null ? null : higherIsBetter ? value >= threshold : value <= threshold;
  return { id, target: text, value, threshold, met, detail };
}

/** Speed-up of chatvault over a peer for one operation: peer median ÷ chatvault median (> 1 = chatvault faster). */
export function speedup(rows: readonly EngineRow[], op: Operation, peer: Tool): number | null {
  return ratio(findRow(rows, peer, op)?.wall_s?.median, findRow(rows, "chatvault", op)?.wall_s?.median);
}

/** The faster of restic and borg for one operation (lower median wall time), if either was measured. */
export function fasterPeer(rows: readonly EngineRow[], op: Operation): EngineRow | undefined {
  const peers = (["restic", "borg"] as const).map((t) => findRow(rows, t, op)).filter((r): r is EngineRow => r?.wall_s != null);
  return peers.sort((a, b) => a.wall_s!.median - b.wall_s!.median)[0];
}

/** What the run measured beyond the engine rows that some targets need. */
export interface TargetInputs {
  ceilings: Ceilings | null;
  vault: readonly VaultRow[];
  /** Process start-up, min of 5, seconds, by command ("chatvault --version", "chatvault --help"). */
  startup?: Record<string, number | null>;
  /** Bytes restored by the restore row (the corpus), for the restore floor. */
  restoredBytes?: number | null;
}

/**
 * A time target "≤ factor × the faster peer", or — when the disk floor for `bytes` is above
 * that — "≤ 1.15× the floor".
 */
function timeTarget(
  rows: readonly EngineRow[],
  op: Operation,
  label: string,
  factor: number,
  floorBytes: number | null,
  ceilings: Ceilings | null,
): TargetResult {
  const cv = findRow(rows, "chatvault", op)?.wall_s?.median ?? null;
  const peer = fasterPeer(rows, op);
  const peerS = peer?.wall_s?.median ?? null;
  const diskBps = ceilings?.disk_write_mib_s != null ? ceilings.disk_write_mib_s * 1024 * 1024 : null;
  const floorS = floorBytes != null && diskBps ? floorBytes / diskBps : null;
  if (peerS != null && floorS != null && factor * peerS < floorS) {
    return target(
      `${op}_time`,
      `${label} ≤ 1.15× the disk floor (${factor}× the faster peer is below it)`,
      ratio(cv, floorS),
      1.15,
      false,
      `chatvault ${sig(cv)} s; floor ${sig(floorS)} s (${sig(floorBytes! / 1e6)} MB at ${sig(ceilings!.disk_write_mib_s)} MiB/s durable); ${peer!.tool} ${sig(peerS)} s`,
    );
  }
  return target(
    `${op}_time`,
    `${label} ≤ ${factor}× the faster peer`,
    ratio(cv, peerS),
    factor,
    false,
    peer ? `chatvault ${sig(cv)} s vs ${peer.tool} ${sig(peerS)} s (medians)${floorS != null ? `; disk floor ${sig(floorS)} s` : ""}` : "no peer measured",
  );
}

export function evaluateTargets(rows: readonly EngineRow[], inputs: TargetInputs): TargetResult[] {
  const { ceilings, vault } = inputs;
  const out: TargetResult[] = [];
  const cv = (op: Operation) => findRow(rows, "chatvault", op);
  const rs = (op: Operation) => findRow(rows, "restic", op);

  out.push(timeTarget(rows, "full", "full backup", 0.9, cv("full")?.bytes_stored ?? null, ceilings));
  out.push(timeTarget(rows, "nochange", "no-change backup", 0.5, null, ceilings));
  const nochangeStored = cv("nochange")?.bytes_stored ?? null;
  out.push(
    target(
      "nochange_stored",
      "no-change backup stores ≤ 64 KiB",
      nochangeStored,
      64 * 1024,
      false,
      nochangeStored == null ? "not measured" : `${sig(nochangeStored)} bytes`,
    ),
  );
  out.push(timeTarget(rows, "incremental", "day-after incremental", 0.7, null, ceilings));
  const incRow = cv("incremental");
  out.push(
    target(
      "incremental_stored",
      "day-after incremental stores ≤ 1.1× the day's physical minimum",
      ratio(incRow?.bytes_stored, incRow?.physical_minimum_bytes),
      1.1,
      false,
      `chatvault stored ${mb(incRow?.bytes_stored)} for a minimum of ${mb(incRow?.physical_minimum_bytes)}; restic ${mb(rs("incremental")?.bytes_stored)}, borg ${mb(findRow(rows, "borg", "incremental")?.bytes_stored)}`,
    ),
  );
  out.push(timeTarget(rows, "restore", "restore (verified, durable, integrity-checked)", 0.9, inputs.restoredBytes ?? null, ceilings));

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
  out.push(
    target(
      "peak_rss",
      "peak RSS ≤ restic's (every operation)",
      worst,
      1,
      false,
      worst == null
        ? "not measured"
        : `worst: ${worstOp}, chatvault ${sig(cv(worstOp as Operation)?.peak_rss_mib)} MiB vs restic ${sig(rs(worstOp as Operation)?.peak_rss_mib)} MiB`,
    ),
  );

  for (const cmd of ["chatvault --version", "chatvault --help"]) {
    const s = inputs.startup?.[cmd] ?? null;
    out.push(target(`startup_${cmd.split("--")[1]}`, `\`${cmd}\` starts in ≤ 0.1 s`, s, 0.1, false, s == null ? "not measured" : `${sig(s)} s (min of 5)`));
  }

  if (ceilings) {
    out.push(
      // The chunk path at the media chunk size new repositories seal (results from before it
      // was measured: sealObject on 64 KiB chunks, as then). Database pages are sealed one
      // 4 KiB page at a time whatever the chunker; this row does not cover them.
      target(
        "seal_ratio",
        "sealing ≥ 0.9× raw AES-256-GCM (one core)",
        ceilings.seal_chunk_new_ratio ?? ceilings.seal_object_ratio,
        0.9,
        true,
        `${
          ceilings.seal_chunk_new_ratio == null
            ? `sealObject on 64 KiB chunks ${sig(ceilings.seal_object_mib_s)} MiB/s`
            : `chunk path (sealObjectParts) on ${sig(ceilings.seal_chunk_new_bytes! / 1024)} KiB chunks, new repositories' media average, ${sig(ceilings.seal_chunk_new_mib_s!)} MiB/s`
        } vs AES-GCM ${sig(ceilings.aes_gcm_mib_s)} MiB/s on 1 MiB; at 64 KiB (repositories made before): raw AES-GCM ${sig(ceilings.aes_gcm_64k_mib_s / ceilings.aes_gcm_mib_s)}×, sealObject ${sig(ceilings.seal_object_ratio)}×, chunk path ${ceilings.seal_chunk_ratio == null ? "not measured" : `${sig(ceilings.seal_chunk_ratio)}×`}; STREAM seal ${sig(ceilings.seal_stream_ratio)}×, open ${sig(ceilings.open_stream_ratio)}×`,
      ),
    );
  }

  for (const backend of ["sqlite", "postgres"] as const) {
    const best = vault
      .filter((v) => v.backend === backend && v.load === "peak" && v.measured && v.cpu_efficiency != null)
      .reduce<VaultRow | undefined>((a, b) => (a && a.cpu_efficiency! >= b.cpu_efficiency! ? a : b), undefined);
    out.push(
      target(
        `vault_${backend}_cpu`,
        `vault (${backend}): unlocks per vault CPU-s ≥ 0.8× the OPAQUE server step`,
        best?.cpu_efficiency ?? null,
        0.8,
        true,
        best
          ? `${sig(best.unlocks_per_s)} unlocks/s at concurrency ${best.concurrency}, ${best.nodes} node(s), ${sig(best.vault_cpu_cores)} vault cores`
          : "not measured",
      ),
    );
  }
  return out;
}

function mb(b: number | null | undefined): string {
  return b == null ? "—" : `${sig(b / 1e6)} MB`;
}
