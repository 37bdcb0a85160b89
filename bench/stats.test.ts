import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderSvg } from "./chart.ts";
import { changedPages, chatFiles, diffTrees } from "./corpus.ts";
import { compareCell, engineTable, renderMarkdown } from "./report.ts";
import type { Ceilings, EngineRow, Results } from "./results.ts";
import { mbPerSecond, median, min, percentile, ratio, sig, spread, times } from "./stats.ts";
import { evaluateTargets, speedup } from "./targets.ts";

test("median, min, percentile", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(min([3, 1, 2]), 1);
  assert.deepEqual(spread([5, 1, 3]), { min: 1, median: 3 });
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.throws(() => median([]), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
});

test("ratios are never invented", () => {
  assert.equal(ratio(6, 3), 2);
  assert.equal(ratio(null, 3), null);
  assert.equal(ratio(3, 0), null);
  assert.equal(ratio(3, undefined), null);
  assert.equal(mbPerSecond(200e6, 2), 100);
  assert.equal(mbPerSecond(1, 0), null);
});

test("number formatting", () => {
  assert.equal(sig(1234.5), "1235");
  assert.equal(sig(1.2345), "1.23");
  assert.equal(sig(0.012345), "0.0123");
  assert.equal(sig(null), "—");
  assert.equal(times(2.3456), "2.35×");
  assert.equal(compareCell(1, 2, false), "0.500× (better)");
  assert.equal(compareCell(1, 2, true), "0.500× (worse)");
  assert.equal(compareCell(2, 2, true), "1.00× (same)");
  assert.equal(compareCell(null, 2, true), "—");
});

function row(tool: EngineRow["tool"], operation: EngineRow["operation"], median: number, extra: Partial<EngineRow> = {}): EngineRow {
  return {
    tool,
    operation,
    measured: true,
    wall_s: { min: median * 0.9, median },
    samples_s: [median],
    command_s: { min: median * 0.8, median: median * 0.85 },
    mb_per_s: 1000 / median,
    peak_rss_mib: 100,
    bytes_stored: 50e6,
    ...extra,
  };
}

const rows: EngineRow[] = [
  row("chatvault", "full", 2),
  row("restic", "full", 6),
  row("borg", "full", 5),
  row("chatvault", "nochange", 0.3),
  row("restic", "nochange", 0.9),
  row("borg", "nochange", 0.5),
  row("chatvault", "incremental", 1, { bytes_stored: 40e6, physical_minimum_bytes: 38.4e6 }),
  row("restic", "incremental", 3.1, { bytes_stored: 140e6, physical_minimum_bytes: 38.4e6 }),
  {
    tool: "borg",
    operation: "incremental",
    measured: false,
    reason: "not installed",
    wall_s: null,
    samples_s: [],
    command_s: null,
    mb_per_s: null,
    peak_rss_mib: null,
    bytes_stored: null,
  },
  row("chatvault", "restore", 4, { peak_rss_mib: 150, bytes_stored: null }),
  row("restic", "restore", 5, { bytes_stored: null }),
];

test("targets: ratios to the faster peer, null when nothing was measured", () => {
  assert.equal(speedup(rows, "full", "restic"), 3);
  assert.equal(speedup(rows, "incremental", "borg"), null);
  const t = Object.fromEntries(evaluateTargets(rows, { ceilings: null, vault: [] }).map((x) => [x.id, x]));
  assert.equal(t.full_time!.value, 2 / 5); // borg (5 s) is the faster peer
  assert.equal(t.full_time!.met, true); // 0.4 ≤ 0.9
  assert.ok(Math.abs(t.nochange_time!.value! - 0.3 / 0.5) < 1e-9);
  assert.equal(t.nochange_time!.met, false); // 0.6 > 0.5
  assert.ok(Math.abs(t.incremental_time!.value! - 1 / 3.1) < 1e-9); // borg not measured: restic decides
  assert.equal(t.incremental_time!.met, true);
  assert.ok(Math.abs(t.incremental_stored!.value! - 40 / 38.4) < 1e-9);
  assert.equal(t.incremental_stored!.met, true); // 1.04 ≤ 1.1
  assert.equal(t.restore_time!.value, 4 / 5);
  assert.equal(t.restore_time!.met, true);
  assert.equal(t.peak_rss!.met, false); // restore 150 > 100
  assert.equal(t["startup_version"]!.met, null);
  assert.equal(t.vault_sqlite_cpu!.met, null);
});

test("targets: a floor above the peer target turns the row into 'within 1.15× of the floor'", () => {
  // 1 GB stored at 100 MiB/s durable: floor ≈ 9.54 s, above 0.9 × borg's 5 s.
  const ceilings = { disk_write_mib_s: 100 } as unknown as Ceilings;
  const big = rows.map((r) => (r.tool === "chatvault" && r.operation === "full" ? { ...r, bytes_stored: 1e9, wall_s: { min: 10, median: 10 } } : r));
  const t = Object.fromEntries(
    evaluateTargets(big, { ceilings, vault: [], startup: { "chatvault --version": 0.05, "chatvault --help": 0.2 } }).map((x) => [x.id, x]),
  );
  const floor = 1e9 / (100 * 1024 * 1024);
  assert.match(t.full_time!.target, /1\.15× the disk floor/);
  assert.ok(Math.abs(t.full_time!.value! - 10 / floor) < 1e-9);
  assert.equal(t.full_time!.met, true); // 1.049 ≤ 1.15
  assert.equal(t["startup_version"]!.met, true);
  assert.equal(t["startup_help"]!.met, false);
});

test("markdown table: ratios to each peer, 'not measured' for missing rows", () => {
  const md = engineTable(rows);
  assert.match(md, /\| full backup \| wall, median \| 2\.00 s \| 6\.00 s \| 5\.00 s \| 0\.333× \(better\) \| 0\.400× \(better\) \|/);
  assert.match(md, /\| day-after incremental \| wall, median \| 1\.00 s \| 3\.10 s \| not measured \|/);
  assert.match(md, /stored ÷ physical minimum \(38\.4 MB\) \| 1\.04× \| 3\.65× \| — \|/);
  const results: Results = {
    schema: 1,
    started: "2026-01-01T00:00:00.000Z",
    finished: "",
    size: "tiny",
    runs: 1,
    machine: {
      cpu: "cpu",
      cores: 2,
      memory_gib: 8,
      node: "v20",
      os: "linux",
      disk: "vda",
      load_average_at_start: [0, 0, 0],
      tools: { restic: "0.14", borg: null },
    },
    corpus: null,
    ceilings: null,
    rows,
    vault: [],
    targets: evaluateTargets(rows, { ceilings: null, vault: [] }),
    notes: ["a note"],
  };
  const full = renderMarkdown(results);
  assert.match(full, /## Targets/);
  assert.match(full, /\| restore \(verified, durable, integrity-checked\) ≤ 0\.9× the faster peer \| 0\.800 \| \*\*yes\*\* \|/);
  assert.match(full, /- a note/);
  const svg = renderSvg(results);
  assert.match(svg, /^<svg /);
  assert.match(svg, /not measured/);
});

test("changed pages and tree comparison", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-test-"));
  try {
    const a = Buffer.alloc(4096 * 4, 1);
    const b = Buffer.from(a);
    b[4096 + 7] = 9; // page 1
    const c = Buffer.concat([b, Buffer.alloc(4096, 2)]); // + one new page
    writeFileSync(join(dir, "a"), a);
    writeFileSync(join(dir, "b"), b);
    writeFileSync(join(dir, "c"), c);
    assert.equal(changedPages(join(dir, "a"), join(dir, "a"), 4096), 0);
    assert.equal(changedPages(join(dir, "a"), join(dir, "b"), 4096), 1);
    assert.equal(changedPages(join(dir, "a"), join(dir, "c"), 4096), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const want = new Map([
    ["msgstore.db", "1"],
    ["media/a.jpg", "2"],
    ["msgstore.db-wal", "3"],
  ]);
  assert.deepEqual([...chatFiles(want).keys()], ["msgstore.db", "media/a.jpg"]);
  assert.deepEqual(
    diffTrees(
      chatFiles(want),
      new Map([
        ["msgstore.db", "1"],
        ["media/b.jpg", "2"],
      ]),
    ),
    ["missing media/a.jpg", "unexpected media/b.jpg"],
  );
});
