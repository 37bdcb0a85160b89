/**
 * `npm run bench` — chatvault against restic and borg on the same chat corpus, the key
 * vault under load, and the crypto/disk/OPAQUE ceilings, in one run on one machine.
 *
 *   npm run bench -- [--size tiny|small|full] [--runs N] [--only crypto,engine,vault]
 *                    [--chatvault auto|runner|cli] [--out DIR]
 *
 * Writes <out>/latest.json, <out>/bench-<timestamp>.json, <out>/latest.md and
 * <out>/latest.svg (default out: bench/results). See docs/performance.md.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderSvg } from "./chart.ts";
import { chatvaultTool } from "./chatvault-tool.ts";
import { SIZES } from "./corpus.ts";
import { runCryptoBench } from "./crypto.ts";
import { runEngineBench, startupCosts } from "./engine.ts";
import { describeMachine } from "./machine.ts";
import { renderMarkdown } from "./report.ts";
import type { Results, VaultRow } from "./results.ts";
import { evaluateTargets } from "./targets.ts";
import { realmTargets } from "./vault-realms.ts";
import { BorgTool, ResticTool } from "./tools.ts";

const PARTS = ["crypto", "engine", "vault"] as const;
type Part = (typeof PARTS)[number];

const here = new URL(".", import.meta.url).pathname;

function parse() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "full" },
      runs: { type: "string", default: "3" },
      only: { type: "string", default: PARTS.join(",") },
      chatvault: { type: "string", default: "auto" },
      out: { type: "string", default: join(here, "results") },
      work: { type: "string", default: join(here, "work", String(process.pid)) },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("npm run bench -- [--size tiny|small|full] [--runs N] [--only crypto,engine,vault] [--chatvault auto|runner|cli] [--out DIR]\n");
    process.exit(0);
  }
  const size = SIZES[values.size];
  if (!size) throw new RangeError(`--size must be one of ${Object.keys(SIZES).join(", ")}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError("--runs must be an integer ≥ 1");
  const only = values.only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of only) if (!PARTS.includes(p as Part)) throw new RangeError(`--only: unknown part ${p} (parts: ${PARTS.join(", ")})`);
  if (!["auto", "runner", "cli"].includes(values.chatvault)) throw new RangeError("--chatvault must be auto, runner or cli");
  return {
    sizeName: values.size,
    size,
    runs,
    only: new Set(only as Part[]),
    chatvault: values.chatvault as "auto" | "runner" | "cli",
    out: values.out,
    work: values.work,
  };
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const opts = parse();
  const started = new Date();
  mkdirSync(opts.out, { recursive: true });
  removeStaleWork(join(here, "work"));
  rmSync(opts.work, { recursive: true, force: true });
  mkdirSync(opts.work, { recursive: true });
  const notes: string[] = [];
  const load = loadavg()[0]!;
  if (load > 1) {
    const msg = `load average was ${load.toFixed(2)} at start (${cpus().length} cores): other work shared the CPU and disk, so the numbers are noisier than on an idle machine`;
    log(`warning: ${msg}`);
    notes.push(msg);
  }

  try {
    await runParts(opts, started, notes);
  } finally {
    rmSync(opts.work, { recursive: true, force: true });
  }
}

async function runParts(opts: ReturnType<typeof parse>, started: Date, notes: string[]): Promise<void> {
  const restic = new ResticTool();
  const borg = new BorgTool();
  const cv = await chatvaultTool(opts.chatvault, opts.work, log);
  notes.push(...cv.notes);
  const machine = describeMachine(opts.work, { chatvault: cv.tool.label, restic: restic.version(), borg: borg.version() });

  const results: Results = {
    schema: 1,
    started: started.toISOString(),
    finished: "",
    size: opts.sizeName,
    runs: opts.runs,
    machine,
    corpus: null,
    ceilings: null,
    rows: [],
    vault: [],
    targets: [],
    notes,
  };

  if (opts.only.has("crypto")) {
    log("ceilings: crypto, chunker, disk, OPAQUE");
    const p = { tiny: [0.05, 1, 16, 20], small: [0.5, 3, 256, 200], full: [1, 3, 1024, 500] }[opts.sizeName as "tiny"] ?? [1, 3, 1024, 500];
    results.ceilings = await runCryptoBench({ seconds: p[0]!, rounds: p[1]!, diskBytes: p[2]! * 1024 * 1024, opaqueLogins: p[3]!, work: opts.work, log });
  }

  if (opts.only.has("engine")) {
    log(`engine: chatvault (${cv.tool.label}) vs ${restic.version() ?? "restic (missing)"} vs ${borg.version() ?? "borg (missing)"}, ${opts.runs} run(s)`);
    const startup = await startupCosts({
      node: [process.execPath, "-e", "0"],
      "chatvault --version": [...cv.tool.command, ...cv.noop],
      ...(cv.help ? { "chatvault --help": [...cv.tool.command, ...cv.help] } : {}),
      ...(cv.tsxCommand ? { "chatvault via tsx": [...cv.tsxCommand, ...cv.noop] } : {}),
      ...(restic.version() ? { restic: [restic.bin, "version"] } : {}),
      ...(borg.version() ? { borg: [borg.bin, "--version"] } : {}),
    });
    results.startup = startup;
    notes.push(
      `process start-up (min of 5, s): ${Object.entries(startup)
        .map(([k, v]) => `${k} ${v == null ? "—" : v.toFixed(3)}`)
        .join(", ")}`,
    );
    const engine = await runEngineBench({ size: opts.size, runs: opts.runs, work: opts.work, tools: [cv.tool, restic, borg], log });
    results.corpus = engine.corpus;
    results.rows = engine.rows;
    notes.push(...engine.notes);
  }

  if (opts.only.has("vault")) {
    results.vault = await runVault(opts.sizeName, results.ceilings?.opaque_logins_per_s_core ?? null, notes, opts.work);
    // Threshold realms vs the single vault, same run (bench/vault-realms.ts).
    const { runRealmBench } = await import("./vault-realms.ts");
    results.realms = await runRealmBench({ sizeName: opts.sizeName, log, notes, work: opts.work });
  }

  results.targets = [
    ...evaluateTargets(results.rows, {
      ceilings: results.ceilings,
      vault: results.vault,
      startup: results.startup,
      restoredBytes: results.corpus?.total_bytes ?? null,
    }),
    ...(results.realms ? realmTargets(results.realms) : []),
  ];
  results.finished = new Date().toISOString();
  results.machine.load_average_at_end = loadavg();
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const json = JSON.stringify(results, null, 2) + "\n";
  writeFileSync(join(opts.out, "latest.json"), json);
  copyFileSync(join(opts.out, "latest.json"), join(opts.out, `bench-${stamp}.json`));
  const md = renderMarkdown(results);
  writeFileSync(join(opts.out, "latest.md"), md);
  writeFileSync(join(opts.out, "latest.svg"), renderSvg(results));
  process.stdout.write(md);
  log(`wrote ${join(opts.out, "latest.json")}, latest.md, latest.svg and bench-${stamp}.json`);
}

/** Work folders of earlier benches that died without cleaning up (named by their pid). */
function removeStaleWork(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      process.kill(Number(name), 0);
    } catch {
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** The vault part is loaded on demand: while the vault is unfinished, the rest still runs. */
async function runVault(sizeName: string, ceilingPerCore: number | null, notes: string[], work: string): Promise<VaultRow[]> {
  try {
    const { runVaultBench } = await import("./vault.ts");
    return await runVaultBench({ sizeName, ceilingPerCore, log, notes, work });
  } catch (e) {
    const why = `vault not available: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    log(why);
    notes.push(`key vault: not measured (${why})`);
    return (["sqlite", "postgres"] as const).map((backend) => ({
      backend,
      nodes: backend === "sqlite" ? 1 : 2,
      concurrency: 0,
      measured: false,
      reason: "vault not available",
      unlocks: 0,
      errors: 0,
      seconds: 0,
      unlocks_per_s: null,
      p50_ms: null,
      p99_ms: null,
      ceiling_ratio: null,
      load: "peak" as const,
    }));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
