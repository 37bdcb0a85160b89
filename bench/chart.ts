/**
 * A hand-written SVG bar chart of the engine table: for each operation, the median wall
 * time of each tool (shorter is better), and the bytes each stored for the day after.
 */
import type { EngineRow, Operation, Results, Tool } from "./results.ts";
import { OPERATIONS, TOOLS } from "./results.ts";
import { sig } from "./stats.ts";

const COLORS: Record<Tool, string> = { chatvault: "#2e7d32", restic: "#1565c0", borg: "#ef6c00" };
const TITLES: Record<Operation, string> = {
  full: "full backup",
  nochange: "no-change backup",
  incremental: "day-after incremental",
  restore: "restore (verified)",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Panel {
  title: string;
  unit: string;
  values: { tool: Tool; value: number | null }[];
  marker?: { value: number; label: string };
}

function panels(rows: readonly EngineRow[]): Panel[] {
  const get = (t: Tool, op: Operation) => rows.find((r) => r.tool === t && r.operation === op && r.measured);
  const out: Panel[] = OPERATIONS.map((op) => ({
    title: `${TITLES[op]} — wall time, median`,
    unit: "s",
    values: TOOLS.map((t) => ({ tool: t, value: get(t, op)?.wall_s?.median ?? null })),
  }));
  const min = rows.find((r) => r.physical_minimum_bytes != null)?.physical_minimum_bytes;
  out.push({
    title: "day-after incremental — bytes stored",
    unit: "MB",
    values: TOOLS.map((t) => ({ tool: t, value: get(t, "incremental")?.bytes_stored != null ? get(t, "incremental")!.bytes_stored! / 1e6 : null })),
    ...(min != null ? { marker: { value: min / 1e6, label: `physical minimum ${sig(min / 1e6)} MB` } } : {}),
  });
  return out;
}

export function renderSvg(results: Results): string {
  const ps = panels(results.rows);
  const width = 760;
  const left = 110;
  const barW = width - left - 150;
  const barH = 18;
  const panelH = 30 + TOOLS.length * (barH + 6) + 18;
  const height = 50 + ps.length * panelH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${esc(`chatvault vs restic vs borg — ${results.size} corpus, ${results.runs} run(s)`)}</text>`,
  ];
  let y = 50;
  for (const p of ps) {
    out.push(`<text x="10" y="${y + 14}" font-weight="bold">${esc(p.title)}</text>`);
    const maxV = Math.max(...p.values.map((v) => v.value ?? 0), p.marker?.value ?? 0) || 1;
    let by = y + 24;
    for (const v of p.values) {
      out.push(`<text x="${left - 8}" y="${by + 13}" text-anchor="end">${v.tool}</text>`);
      if (v.value == null) {
        out.push(`<text x="${left}" y="${by + 13}" fill="#888">not measured</text>`);
      } else {
        const w = Math.max(1, (v.value / maxV) * barW);
        out.push(`<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[v.tool]}"/>`);
        out.push(`<text x="${(left + w + 6).toFixed(1)}" y="${by + 13}">${esc(`${sig(v.value)} ${p.unit}`)}</text>`);
      }
      by += barH + 6;
    }
    if (p.marker) {
      const x = left + (p.marker.value / maxV) * barW;
      out.push(`<line x1="${x.toFixed(1)}" y1="${y + 20}" x2="${x.toFixed(1)}" y2="${by + 2}" stroke="#c62828" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${(x + 4).toFixed(1)}" y="${by + 11}" fill="#c62828" font-size="11">${esc(p.marker.label)}</text>`);
    }
    y += panelH;
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
