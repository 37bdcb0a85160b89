/**
 * The parent side of the probes that compare trees (`--root base,branch`): each run
 * measures every root in turn, each in a fresh child process of the same script (no shared
 * JIT, the same machine state for both), and the medians are printed per root. The child
 * prints one number, µs of CPU per unlock.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./stats.ts";

export interface AlternatedRoots {
  /** The probe's `import.meta.url`: the child runs the same script with `--child --root R`. */
  script: string;
  /** Comma-separated roots, as `--root` gave them. */
  roots: string;
  runs: number;
  /** The probe's own options, passed to every child. */
  args: readonly string[];
  /** What the number measures, for the lines printed ("record and state crypto only"). */
  what: string;
}

export function alternateRoots(o: AlternatedRoots): void {
  const roots = o.roots.split(",");
  const results = new Map<string, number[]>(roots.map((r) => [r, []]));
  for (let run = 0; run < o.runs; run++) {
    for (const root of roots) {
      const args = ["--conditions=chatvault-source", "--import", "tsx", fileURLToPath(o.script), "--child", "--root", root, ...o.args];
      const us = Number(execFileSync(process.execPath, args, { encoding: "utf8" }).trim());
      results.get(root)!.push(us);
      process.stdout.write(`run ${run + 1} ${root}: ${us.toFixed(1)} µs of CPU per unlock (${o.what})\n`);
    }
  }
  for (const [root, r] of results) {
    const s = [...r].sort((a, b) => a - b);
    process.stdout.write(`${root}: median ${median(s).toFixed(1)} µs (${s[0]!.toFixed(1)}–${s[s.length - 1]!.toFixed(1)}), ${r.length} runs\n`);
  }
}
