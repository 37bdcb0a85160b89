/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) into the hot spots: self time per
 * function and per source file, over every thread's profile given.
 *
 *   node --import tsx bench/profile.ts [--top N] DIR_OR_FILE.cpuprofile...
 *
 * How docs/performance.md's hot spots were found: run the chatvault runner (or CLI)
 * with `node --cpu-prof --cpu-prof-dir=D …`, then summarise D.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  ms: number;
  share: number;
}

function shortUrl(url: string): string {
  const p = url.replace(/^file:\/\//, "");
  const i = p.indexOf("/packages/");
  if (i >= 0) return p.slice(i + 1);
  const n = p.lastIndexOf("/node_modules/");
  if (n >= 0) return p.slice(n + 1);
  return p.startsWith("/") ? relative(process.cwd(), p) : p || "(native)";
}

/** Self time per function and per file, in ms, over the given profiles. */
export function summarize(profiles: Profile[]): { functions: HotSpot[]; files: HotSpot[]; totalMs: number } {
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < p.samples.length; i++) {
      const n = nodes.get(p.samples[i]!);
      const dt = (p.timeDeltas[i] ?? 0) / 1000;
      if (!n) continue;
      const f = n.callFrame;
      if (f.functionName === "(idle)") continue;
      total += dt;
      const file = shortUrl(f.url);
      const key = `${f.functionName || "(anonymous)"} ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
      byFn.set(key, (byFn.get(key) ?? 0) + dt);
      byFile.set(file, (byFile.get(file) ?? 0) + dt);
    }
  }
  const list = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 })).sort((a, b) => b.ms - a.ms);
  return { functions: list(byFn), files: list(byFile), totalMs: total };
}

function profileFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((f) => f.endsWith(".cpuprofile"))
          .map((f) => join(p, f)),
      );
    else out.push(p);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
  const top = Number(values.top);
  const files = profileFiles(positionals);
  const s = summarize(files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Profile));
  const show = (title: string, xs: HotSpot[]) => {
    process.stdout.write(`\n${title}\n`);
    for (const x of xs.slice(0, top)) process.stdout.write(`${x.ms.toFixed(0).padStart(7)} ms ${(100 * x.share).toFixed(1).padStart(5)}%  ${x.name}\n`);
  };
  process.stdout.write(`${files.length} profile(s), ${s.totalMs.toFixed(0)} ms of CPU on sampled threads (idle excluded)\n`);
  show("self time by function", s.functions);
  show("self time by file", s.files);
}
