/**
 * `npm run bench` — chatvault against restic and borg on the same chat corpus, the key
 * vault under load, and the crypto/disk/OPAQUE ceilings, in one run on one machine.
 *
 *   npm run bench -- [--size tiny|small|full|xl] [--runs N] [--only crypto,engine,vault]
 *                    [--tools chatvault,restic,borg] [--chatvault auto|runner|cli] [--out DIR]
 *                    [--compare OTHER.json] [--from THIS.json]
 *
 * Writes <out>/latest.json, <out>/bench-<timestamp>.json, <out>/latest.md and
 * <out>/latest.svg (default out: bench/results). `--compare` adds the growth rows against
 * another corpus size's results (bench/growth.ts); with `--from` nothing is measured: the
 * given results are re-rendered with those rows. See docs/performance.md.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderSvg } from "./chart.ts";
import { chatvaultTool } from "./chatvault-tool.ts";
import { SIZES } from "./corpus.ts";
import { DiskSpaceError, diskShortfall, freeBytes, planDisk } from "./disk.ts";
import { computeGrowth, growthTargets, parseResults } from "./growth.ts";
import { runCryptoBench } from "./crypto.ts";
import { runEngineBench, startupCosts } from "./engine.ts";
import { describeMachine } from "./machine.ts";
import { renderMarkdown } from "./report.ts";
import type { Results, Tool, VaultRow } from "./results.ts";
import { TOOLS } from "./results.ts";
import { evaluateTargets } from "./targets.ts";
import { realmTargets } from "./vault-realms.ts";
import { BorgTool, ResticTool } from "./tools.ts";
import type { BackupTool } from "./tools.ts";

const PARTS = ["crypto", "engine", "vault"] as const;
type Part = (typeof PARTS)[number];

const here = new URL(".", import.meta.url).pathname;

const USAGE =
  "npm run bench -- [--size tiny|small|full|xl] [--runs N] [--only crypto,engine,vault] [--tools chatvault,restic,borg]\n" +
  "                 [--chatvault auto|runner|cli] [--out DIR] [--compare OTHER.json] [--from THIS.json]\n";

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function parse() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "full" },
      runs: { type: "string" },
      only: { type: "string", default: PARTS.join(",") },
      tools: { type: "string", default: TOOLS.join(",") },
      chatvault: { type: "string", default: "auto" },
      out: { type: "string", default: join(here, "results") },
      work: { type: "string", default: join(here, "work", String(process.pid)) },
      compare: { type: "string" },
      from: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const size = SIZES[values.size];
  if (!size) throw new RangeError(`--size must be one of ${Object.keys(SIZES).join(", ")}`);
  const runs = values.runs === undefined ? size.defaultRuns : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError("--runs must be an integer ≥ 1");
  const only = list(values.only);
  for (const p of only) if (!PARTS.includes(p as Part)) throw new RangeError(`--only: unknown part ${p} (parts: ${PARTS.join(", ")})`);
  const tools = list(values.tools);
  for (const t of tools) if (!TOOLS.includes(t as Tool)) throw new RangeError(`--tools: unknown tool ${t} (tools: ${TOOLS.join(", ")})`);
  if (tools.length === 0) throw new RangeError("--tools must name at least one tool");
  if (!["auto", "runner", "cli"].includes(values.chatvault)) throw new RangeError("--chatvault must be auto, runner or cli");
  if (values.from !== undefined && values.compare === undefined)
    throw new RangeError("--from re-renders results with --compare's growth rows: give --compare too");
  return {
    sizeName: values.size,
    size,
    runs,
    only: new Set(only as Part[]),
    tools: new Set(tools as Tool[]),
    chatvault: values.chatvault as "auto" | "runner" | "cli",
    out: values.out,
    work: values.work,
    compare: values.compare,
    from: values.from,
  };
}

type Options = ReturnType<typeof parse>;

function readResults(path: string): Results {
  try {
    return parseResults(JSON.parse(readFileSync(path, "utf8")), path);
  } catch (e) {
    throw new RangeError(`cannot use the results ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const opts = parse();
  const started = new Date();
  mkdirSync(opts.out, { recursive: true });
  // Read before anything runs: a typo in a path should not cost a 20-minute run.
  const other = opts.compare === undefined ? null : readResults(opts.compare);
  if (opts.from !== undefined) {
    const results = readResults(opts.from);
    log(`re-rendering ${opts.from} (${results.size}, ${results.started}) with growth against ${opts.compare}`);
    writeResults(withGrowth(results, other!, opts.compare!), opts.out, new Date(results.started));
    return;
  }
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
    if (opts.only.has("engine")) {
      // The engine part's peak disk use, checked before a minute is spent (bench/disk.ts).
      const plan = planDisk(opts.size, opts.runs, opts.tools.size);
      const free = freeBytes(opts.work);
      const refusal = diskShortfall(plan, free, opts.work);
      if (refusal) throw new DiskSpaceError(refusal);
      log(`disk: the engine part needs about ${(plan.peakBytes / 1e9).toFixed(1)} GB at its peak; ${(free / 1e9).toFixed(1)} GB free`);
    }
    let results = await runParts(opts, started, notes);
    if (other) results = withGrowth(results, other, opts.compare!);
    writeResults(results, opts.out, started);
  } finally {
    rmSync(opts.work, { recursive: true, force: true });
  }
}

/** The results with the growth rows against `other` (another corpus size) and their targets. */
function withGrowth(results: Results, other: Results, otherPath: string): Results {
  const growth = computeGrowth(results, other);
  log(`growth: ${growth.larger.size} (${growth.larger.started}) against ${growth.smaller.size} (${growth.smaller.started}, ${otherPath})`);
  for (const n of growth.notes) log(`growth: ${n}`);
  return { ...results, growth, targets: [...results.targets.filter((t) => !t.id.startsWith("growth_")), ...growthTargets(growth)] };
}

function writeResults(results: Results, out: string, started: Date): void {
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const json = JSON.stringify(results, null, 2) + "\n";
  writeFileSync(join(out, "latest.json"), json);
  copyFileSync(join(out, "latest.json"), join(out, `bench-${stamp}.json`));
  const md = renderMarkdown(results);
  writeFileSync(join(out, "latest.md"), md);
  writeFileSync(join(out, "latest.svg"), renderSvg(results));
  process.stdout.write(md);
  log(`wrote ${join(out, "latest.json")}, latest.md, latest.svg and bench-${stamp}.json`);
}

async function runParts(opts: Options, started: Date, notes: string[]): Promise<Results> {
  const restic = new ResticTool();
  const borg = new BorgTool();
  const cv = await chatvaultTool(opts.chatvault, opts.work, log);
  notes.push(...cv.notes);
  const machine = describeMachine(opts.work, { chatvault: cv.tool.label, restic: restic.version(), borg: borg.version() });
  const tools = ([cv.tool, restic, borg] as BackupTool[]).filter((t) => opts.tools.has(t.name));
  const on = (t: Tool) => opts.tools.has(t);

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
    log(
      `engine: ${tools.map((t) => (t === cv.tool ? `chatvault (${cv.tool.label})` : (t.version() ?? `${t.name} (missing)`))).join(" vs ")}, ${opts.runs} run(s)`,
    );
    const startup = await startupCosts({
      node: [process.execPath, "-e", "0"],
      "chatvault --version": [...cv.tool.command, ...cv.noop],
      ...(cv.help ? { "chatvault --help": [...cv.tool.command, ...cv.help] } : {}),
      ...(cv.tsxCommand ? { "chatvault via tsx": [...cv.tsxCommand, ...cv.noop] } : {}),
      ...(on("restic") && restic.version() ? { restic: [restic.bin, "version"] } : {}),
      ...(on("borg") && borg.version() ? { borg: [borg.bin, "--version"] } : {}),
    });
    results.startup = startup;
    notes.push(
      `process start-up (min of 5, s): ${Object.entries(startup)
        .map(([k, v]) => `${k} ${v == null ? "—" : v.toFixed(3)}`)
        .join(", ")}`,
    );
    const engine = await runEngineBench({ size: opts.size, runs: opts.runs, work: opts.work, tools, log });
    results.corpus = engine.corpus;
    results.rows = engine.rows;
    results.disk = { ...engine.disk, planned_peak_bytes: planDisk(opts.size, opts.runs, tools.length).peakBytes };
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
  return results;
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
  // A refusal or a bad option is one line; anything else keeps its stack.
  const plain = e instanceof DiskSpaceError || e instanceof RangeError;
  process.stderr.write(`bench: ${e instanceof Error ? (plain ? e.message : (e.stack ?? e.message)) : String(e)}\n`);
  process.exitCode = 1;
});
