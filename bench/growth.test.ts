import { test } from "node:test";
import assert from "node:assert/strict";
import { SIZES } from "./corpus.ts";
import { DiskSpaceError, diskShortfall, planDisk } from "./disk.ts";
import { computeGrowth, growthTable, growthTargets, parseResults } from "./growth.ts";
import { renderMarkdown } from "./report.ts";
import type { EngineRow, Operation, Results, Tool } from "./results.ts";

const GB = 1e9;

function row(tool: Tool, operation: Operation, wall: number, bytes: number, rss: number): EngineRow {
  return {
    tool,
    operation,
    measured: true,
    wall_s: { min: wall, median: wall },
    samples_s: [wall],
    command_s: { min: wall, median: wall },
    mb_per_s: bytes / 1e6 / wall,
    peak_rss_mib: rss,
    bytes_stored: operation === "restore" ? null : 1,
  };
}

/** A run of a corpus of `total` bytes with a database of `db` bytes; `t` gives wall time and RSS per tool and operation. */
function results(size: string, total: number, db: number, t: (tool: Tool, op: Operation) => [number, number] | null): Results {
  const rows: EngineRow[] = [];
  for (const tool of ["chatvault", "restic", "borg"] as const) {
    for (const op of ["full", "nochange", "incremental", "restore"] as const) {
      const x = t(tool, op);
      if (x) rows.push(row(tool, op, x[0], total, x[1]));
    }
  }
  return {
    schema: 1,
    started: `2026-12-01T00:00:00.000Z-${size}`,
    finished: "",
    size,
    runs: 1,
    machine: { cpu: "cpu", cores: 2, memory_gib: 23.5, node: "v20", os: "linux", disk: "vda", load_average_at_start: [0, 0, 0], tools: { restic: "0.14" } },
    corpus: { messages: 1, media_mib: 1, db_bytes: db, media_bytes: total - db, media_files: 1, total_bytes: total, day: null },
    ceilings: null,
    rows,
    vault: [],
    targets: [],
    notes: [],
  };
}

// full: 1.26 GB, DB 0.19 GB. xl: 12.6 GB (10×), DB 1.9 GB (10×).
const full = results("full", 1.26 * GB, 0.19 * GB, (tool, op) => {
  if (tool === "borg" && op === "restore") return null; // borg's restore failed in this run
  return { full: [10, 400], nochange: [1, 100], incremental: [2, 200], restore: [8, 300] }[op] as [number, number];
});
const xl = results("xl", 12.6 * GB, 1.9 * GB, (tool, op) => {
  if (tool === "chatvault") return { full: [105, 420], nochange: [12, 130], incremental: [15, 210], restore: [90, 310] }[op] as [number, number];
  return { full: [100, 400], nochange: [5, 100], incremental: [10, 200], restore: [80, 300] }[op] as [number, number];
});

const close = (a: number | null, b: number) => assert.ok(a != null && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test("growth: time per GB, time growth ÷ database growth, worst RSS growth, per tool", () => {
  const g = computeGrowth(xl, full);
  assert.equal(g.larger.size, "xl");
  assert.equal(g.smaller.size, "full");
  close(g.corpus_ratio, 10);
  close(g.db_ratio, 10);
  const by = Object.fromEntries(g.rows.map((r) => [r.id, r]));
  close(by.full_time_per_gb!.values.chatvault, 105 / 12.6 / (10 / 1.26)); // 1.05
  close(by.full_time_per_gb!.values.restic, 1);
  close(by.restore_time_per_gb!.values.chatvault, 90 / 8 / 10);
  assert.equal(by.restore_time_per_gb!.values.borg, null); // not measured in the full run: never guessed
  close(by.nochange_growth!.values.chatvault, 12 / 1 / 10); // 1.2: grew faster than the database
  close(by.nochange_growth!.values.restic, 0.5);
  close(by.incremental_growth!.values.chatvault, 15 / 2 / 10);
  close(by.peak_rss_growth!.values.chatvault, 130 / 100); // no-change grew most
  assert.match(by.peak_rss_growth!.detail, /nochange: 100 MiB → 130 MiB/);
  assert.deepEqual(g.notes, []);

  const t = Object.fromEntries(growthTargets(g).map((x) => [x.id, x]));
  assert.equal(t.growth_full_time_per_gb!.met, true); // 1.05 ≤ 1.1
  assert.equal(t.growth_restore_time_per_gb!.met, false); // 1.125 > 1.1
  assert.equal(t.growth_nochange_growth!.met, false); // 1.2 > 1
  assert.equal(t.growth_incremental_growth!.met, true); // 0.75 ≤ 1
  assert.equal(t.growth_peak_rss_growth!.met, false); // 1.3 > 1.25
  assert.match(t.growth_full_time_per_gb!.target, /full backup, time per GB, xl ÷ full ≤ 1\.1×/);
  assert.match(t.growth_nochange_growth!.detail, /restic 0\.500×, borg 0\.500×/);

  const md = growthTable(g);
  assert.match(md, /\| xl ÷ full \(corpus 10\.0×, database 10\.0×\) \| at most \| chatvault \| restic \| borg \|/);
  assert.match(md, /\| no-change backup, time growth ÷ database growth \| 1× \| 1\.20× \(over\) \| 0\.500× \| 0\.500× \|/);
  assert.match(md, /\| restore \(verified\), time per GB \| 1\.1× \| 1\.13× \(over\) \| 1\.00× \| — \|/);
});

test("growth: the larger corpus is compared to the smaller whichever run is current", () => {
  const a = computeGrowth(full, xl);
  const b = computeGrowth(xl, full);
  assert.deepEqual(a.rows, b.rows);
  assert.equal(a.larger.size, "xl");
});

test("growth: two runs of one size, or of two machines, say so", () => {
  const g = computeGrowth(
    full,
    results("full", 1.26 * GB, 0.19 * GB, () => [1, 1]),
  );
  assert.match(g.notes[0]!, /differ by only 1\.00×/);
  for (const r of g.rows) for (const v of Object.values(r.values)) assert.equal(v, null);
  for (const t of growthTargets(g)) assert.equal(t.met, null);
  const other = { ...xl, machine: { ...xl.machine, cores: 8, tools: { restic: "0.16" } } };
  const notes = computeGrowth(other, full).notes;
  assert.ok(notes.some((n) => /differ in cores: 2 \(full\) vs 8 \(xl\)/.test(n)));
  assert.ok(notes.some((n) => /restic differs: 0\.14 \(full\) vs 0\.16 \(xl\)/.test(n)));
});

test("growth: results files without engine rows or corpus are refused by name", () => {
  assert.throws(() => parseResults(null, "a.json"), /a\.json: not a bench results file/);
  assert.throws(() => parseResults({ schema: 2 }, "a.json"), TypeError);
  assert.throws(() => parseResults({ ...full, rows: [] }, "a.json"), /no engine rows/);
  assert.throws(() => parseResults({ ...full, corpus: null }, "a.json"), /no corpus sizes/);
  assert.equal(parseResults(JSON.parse(JSON.stringify(full)), "a.json").size, "full");
});

test("growth: the markdown shows the growth section and its targets", () => {
  const g = computeGrowth(xl, full);
  const md = renderMarkdown({ ...xl, growth: g, targets: growthTargets(g) });
  assert.match(md, /## Growth: xl ÷ full \(the xl run of .* against the full run of .*\)/);
  assert.match(md, /\| peak RSS, worst operation's growth, xl ÷ full ≤ 1\.25× \| 1\.30 \| no \|/);
  assert.doesNotMatch(renderMarkdown(xl), /## Growth/);
});

test("disk plan: corpus, copy only with several runs, one repository per tool, one restore", () => {
  const xlOne = planDisk(SIZES.xl!, 1, 3);
  const corpus = 10_000_000 * 200 + 10240 * 1024 * 1024;
  assert.equal(xlOne.corpusBytes, corpus);
  const part = (p: typeof xlOne, what: RegExp) => p.parts.find((x) => what.test(x.what))?.bytes ?? 0;
  assert.equal(part(xlOne, /working copy/), 0);
  assert.equal(part(xlOne, /3 repositories/), 3 * corpus);
  assert.equal(part(xlOne, /one restore/), corpus);
  assert.ok(xlOne.peakBytes > 5 * corpus && xlOne.peakBytes < 5.3 * corpus, String(xlOne.peakBytes / corpus));
  const xlThree = planDisk(SIZES.xl!, 3, 3);
  assert.equal(xlThree.peakBytes - xlOne.peakBytes, corpus);
  const cvOnly = planDisk(SIZES.xl!, 1, 1);
  assert.equal(xlOne.peakBytes - cvOnly.peakBytes, 2 * corpus);
  assert.throws(() => planDisk(SIZES.xl!, 0, 3), RangeError);
});

test("disk plan: a run that would not fit is refused with what it needs and what is free", () => {
  const plan = planDisk(SIZES.xl!, 1, 3);
  assert.equal(diskShortfall(plan, plan.peakBytes * 1.1, "/work"), null);
  const why = diskShortfall(plan, 48e9, "/work");
  assert.ok(why);
  assert.match(why, /needs about 65\.9 GB at its peak on \/work, which has 48\.0 GB free \(45\.6 GB of it usable: 5% is kept back\)/);
  assert.match(why, /3 repositories 38\.2 GB, one restore 12\.7 GB/);
  assert.doesNotMatch(why, /--runs 1/); // already one run
  assert.match(diskShortfall(planDisk(SIZES.xl!, 3, 3), 48e9, "/work")!, /use --runs 1, measure fewer tools/);
  assert.equal(new DiskSpaceError(why).code, "ENOSPC_PLANNED");
  assert.equal(diskShortfall(planDisk(SIZES.small!, 3, 3), 48e9, "/work"), null);
});
