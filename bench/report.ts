/**
 * The human side of the results: the markdown table (printed and written beside the
 * JSON), with every chatvault figure as a ratio to restic and to borg, the targets and
 * whether each is met. Pure: results in, text out.
 */
import type { EngineRow, Operation, Results, Tool } from "./results.ts";
import { OPERATIONS } from "./results.ts";
import { findRow } from "./targets.ts";
import { megabytes, ratio, sig, times } from "./stats.ts";
import { realmTable } from "./vault-realms.ts";
import { growthLabel, growthTable } from "./growth.ts";

const OP_TITLE: Record<Operation, string> = {
  full: "full backup",
  nochange: "no-change backup",
  incremental: "day-after incremental",
  restore: "full restore (verified)",
};

interface Metric {
  name: string;
  value: (r: EngineRow) => number | null | undefined;
  show: (x: number | null | undefined) => string;
  /** true: a bigger value is better (throughput). */
  higherIsBetter: boolean;
}

const METRICS: Metric[] = [
  { name: "wall, median", value: (r) => r.wall_s?.median, show: (x) => (x == null ? "—" : `${sig(x)} s`), higherIsBetter: false },
  { name: "wall, min", value: (r) => r.wall_s?.min, show: (x) => (x == null ? "—" : `${sig(x)} s`), higherIsBetter: false },
  { name: "command alone, median (no final sync)", value: (r) => r.command_s?.median, show: (x) => (x == null ? "—" : `${sig(x)} s`), higherIsBetter: false },
  { name: "throughput", value: (r) => r.mb_per_s, show: (x) => (x == null ? "—" : `${sig(x)} MB/s`), higherIsBetter: true },
  { name: "peak RSS", value: (r) => r.peak_rss_mib, show: (x) => (x == null ? "—" : `${sig(x)} MiB`), higherIsBetter: false },
  { name: "stored", value: (r) => r.bytes_stored, show: megabytes, higherIsBetter: false },
];

/** "0.45× (better)": chatvault ÷ peer, and which way that is good. */
export function compareCell(cv: number | null | undefined, peer: number | null | undefined, higherIsBetter: boolean): string {
  const r = ratio(cv, peer);
  if (r == null) return "—";
  if (Math.abs(r - 1) < 0.005) return "1.00× (same)";
  const better = higherIsBetter ? r > 1 : r < 1;
  return `${times(r)} (${better ? "better" : "worse"})`;
}

function cell(rows: readonly EngineRow[], tool: Tool, op: Operation, m: Metric): string {
  const r = rows.find((x) => x.tool === tool && x.operation === op);
  if (!r) return "—";
  if (!r.measured) return "not measured";
  return m.show(m.value(r));
}

export function engineTable(rows: readonly EngineRow[]): string {
  const lines = ["| operation | metric | chatvault | restic | borg | chatvault ÷ restic | chatvault ÷ borg |", "|---|---|---:|---:|---:|---:|---:|"];
  for (const op of OPERATIONS) {
    for (const m of METRICS) {
      if (op === "restore" && m.name === "stored") continue;
      const cv = findRow(rows, "chatvault", op);
      const v = (t: Tool) => {
        const r = findRow(rows, t, op);
        return r ? m.value(r) : null;
      };
      lines.push(
        `| ${OP_TITLE[op]} | ${m.name} | ${cell(rows, "chatvault", op, m)} | ${cell(rows, "restic", op, m)} | ${cell(rows, "borg", op, m)} | ${cv ? compareCell(m.value(cv), v("restic"), m.higherIsBetter) : "—"} | ${cv ? compareCell(m.value(cv), v("borg"), m.higherIsBetter) : "—"} |`,
      );
    }
    if (op === "incremental") {
      const min = rows.find((r) => r.operation === "incremental" && r.physical_minimum_bytes != null)?.physical_minimum_bytes;
      const row = (t: Tool) => {
        const r = findRow(rows, t, op);
        return r ? times(ratio(r.bytes_stored, min)) : "—";
      };
      lines.push(`| ${OP_TITLE[op]} | stored ÷ physical minimum (${megabytes(min)}) | ${row("chatvault")} | ${row("restic")} | ${row("borg")} | | |`);
    }
  }
  return lines.join("\n");
}

export function targetsTable(results: Results): string {
  const lines = ["| target | measured | met | detail |", "|---|---:|:---:|---|"];
  for (const t of results.targets) {
    const met = t.met == null ? "not measured" : t.met ? "**yes**" : "no";
    lines.push(`| ${t.target} | ${t.value == null ? "—" : sig(t.value)} | ${met} | ${t.detail} |`);
  }
  return lines.join("\n");
}

export function ceilingsTable(results: Results): string {
  const c = results.ceilings;
  if (!c) return "_ceilings not measured in this run_";
  const rows: [string, string, string][] = [
    ["node:crypto AES-256-GCM seal, 1 MiB buffers", `${sig(c.aes_gcm_mib_s)} MiB/s`, "1×"],
    ["node:crypto AES-256-GCM seal, 64 KiB pieces", `${sig(c.aes_gcm_64k_mib_s)} MiB/s`, times(c.aes_gcm_64k_mib_s / c.aes_gcm_mib_s)],
    ["node:crypto SHA-256, 1 MiB buffers", `${sig(c.sha256_mib_s)} MiB/s`, times(c.sha256_mib_s / c.aes_gcm_mib_s)],
    ["chatvault sealObject, 64 KiB chunks", `${sig(c.seal_object_mib_s)} MiB/s`, times(c.seal_object_ratio)],
    [
      "chatvault chunk path (sealObjectParts), 64 KiB chunks",
      c.seal_chunk_mib_s == null ? "not measured" : `${sig(c.seal_chunk_mib_s)} MiB/s`,
      c.seal_chunk_ratio == null ? "" : times(c.seal_chunk_ratio),
    ],
    [
      `chatvault chunk path (sealObjectParts), ${c.seal_chunk_new_bytes == null ? "new repositories' chunk size" : `${sig(c.seal_chunk_new_bytes / 1024)} KiB`} chunks (new repositories' media average)`,
      c.seal_chunk_new_mib_s == null ? "not measured" : `${sig(c.seal_chunk_new_mib_s)} MiB/s`,
      c.seal_chunk_new_ratio == null ? "" : times(c.seal_chunk_new_ratio),
    ],
    ["chatvault STREAM seal, 1 MiB", `${sig(c.seal_stream_mib_s)} MiB/s`, times(c.seal_stream_ratio)],
    ["chatvault STREAM open, 1 MiB", `${sig(c.open_stream_mib_s)} MiB/s`, times(c.open_stream_ratio)],
    ["chatvault keyed FastCDC chunker", `${sig(c.chunker_mib_s)} MiB/s`, times(c.chunker_ratio)],
    [
      "disk sequential write (fdatasync; the faster of page cache and O_DIRECT)",
      c.disk_write_mib_s == null
        ? "not measured"
        : `${sig(c.disk_write_mib_s)} MiB/s${c.disk_write_buffered_mib_s != null ? ` (page cache ${sig(c.disk_write_buffered_mib_s)}, O_DIRECT ${c.disk_write_direct_mib_s == null ? "not measured" : sig(c.disk_write_direct_mib_s)})` : ""}`,
      "",
    ],
    ["disk sequential read (O_DIRECT)", c.disk_read_mib_s == null ? "not measured" : `${sig(c.disk_read_mib_s)} MiB/s`, ""],
    [
      "OPAQUE server login (startLogin + finishLogin), one core",
      c.opaque_logins_per_s_core == null ? "not measured" : `${sig(c.opaque_logins_per_s_core)} logins/s`,
      "",
    ],
  ];
  return ["| ceiling (one core) | rate | ÷ AES-GCM |", "|---|---:|---:|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function vaultTable(results: Results): string {
  if (results.vault.length === 0) return "_vault not measured in this run_";
  const lines = [
    "| backend | nodes | load | concurrency / offered | unlocks | unlocks/s | p50 | p99 | ÷ two-core ceiling | vault CPU | load generator CPU | unlocks per vault CPU-s ÷ one-core ceiling |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const cores = (x: number | null | undefined) => (x == null ? "—" : `${sig(x, 2)} cores`);
  for (const v of results.vault) {
    if (!v.measured) {
      lines.push(`| ${v.backend} | ${v.nodes} | ${v.load} | ${v.concurrency || "—"} | not measured (${v.reason ?? "?"}) | | | | | | | |`);
      continue;
    }
    const shape = v.load === "peak" ? `${v.concurrency} in flight` : `${sig(v.offered_per_s)}/s offered`;
    lines.push(
      `| ${v.backend} | ${v.nodes} | ${v.load} | ${shape} | ${v.unlocks}${v.errors ? ` (${v.errors} errors)` : ""} | ${sig(v.unlocks_per_s)} | ${sig(v.p50_ms)} ms | ${sig(v.p99_ms)} ms | ${times(v.ceiling_ratio)} | ${cores(v.vault_cpu_cores)} | ${cores(v.loadgen_cpu_cores)} | ${times(v.cpu_efficiency)} |`,
    );
  }
  return lines.join("\n");
}

export function renderMarkdown(results: Results): string {
  const m = results.machine;
  const c = results.corpus;
  const parts = [
    `# chatvault benchmark — ${results.size} corpus, ${results.runs} run(s), ${results.started}`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${sig(m.memory_gib)} GiB, Node ${m.node}, ${m.os}; disk ${m.disk}; load average at start ${m.load_average_at_start.map((x) => x.toFixed(2)).join(" ")}${m.load_average_at_end ? `, at end ${m.load_average_at_end.map((x) => x.toFixed(2)).join(" ")}` : ""}.`,
    `Tools: ${Object.entries(m.tools)
      .map(([k, v]) => `${k}: ${v ?? "(missing)"}`)
      .join("; ")}.`,
  ];
  if (c) {
    parts.push(
      `Corpus: ${c.messages.toLocaleString("en-US")} messages (DB ${megabytes(c.db_bytes)}) + ${c.media_files} media files (${megabytes(c.media_bytes)}) = ${megabytes(c.total_bytes)}.`,
    );
    if (c.day) {
      parts.push(
        `Day after: ${c.day.messages} messages + ${c.day.media_files} media files; ${c.day.changed_pages} DB pages of ${c.day.page_size} B changed (${megabytes(c.day.changed_page_bytes)}) + ${megabytes(c.day.media_bytes)} new media = physical minimum **${megabytes(c.day.physical_minimum_bytes)}**.`,
      );
    }
  }
  parts.push("", "## Backup engine: chatvault vs restic vs borg", "", engineTable(results.rows), "");
  parts.push("Ratios are chatvault ÷ peer: for times, RSS and bytes stored below 1× is better; for throughput above 1× is better.", "");
  parts.push("## Targets", "", targetsTable(results), "");
  const g = results.growth;
  if (g) {
    parts.push(
      `## Growth: ${growthLabel(g)} (the ${g.larger.size} run of ${g.larger.started} against the ${g.smaller.size} run of ${g.smaller.started})`,
      "",
      growthTable(g),
      "",
      "Full backup and restore: seconds per GB of the larger corpus ÷ the smaller's. No-change and day-after: the time's growth ÷ the database's growth (the day of chat is the same at both sizes). Peak RSS: the operation whose peak grew most.",
      "",
      ...g.notes.map((n) => `- ${n}`),
      ...(g.notes.length > 0 ? [""] : []),
    );
  }
  parts.push("## Ceilings (same run)", "", ceilingsTable(results), "");
  parts.push("## Key vault under load (loopback)", "", vaultTable(results), "");
  if (results.realms) parts.push("## Threshold realms (2 of 3) vs the single vault (loopback, same run)", "", realmTable(results.realms), "");
  if (results.notes.length > 0) parts.push("## Notes", "", ...results.notes.map((n) => `- ${n}`), "");
  return parts.join("\n");
}
