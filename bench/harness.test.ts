/**
 * A dry run of the whole harness on the tiny corpus (one run, no vault): it builds the
 * chatvault process, measures every tool it finds, and writes JSON + markdown + SVG.
 * Results go to a temporary folder, never over bench/results/latest.*.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "./results.ts";

const here = new URL(".", import.meta.url).pathname;

test("bench --size tiny runs end to end and writes its results", { timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "chatvault-bench-test-"));
  const work = join(here, "work", `test-${process.pid}`);
  try {
    const r = spawnSync(
      process.execPath,
      [
        "--conditions=chatvault-source",
        "--import",
        "tsx",
        join(here, "run.ts"),
        "--size",
        "tiny",
        "--runs",
        "1",
        "--only",
        "crypto,engine",
        "--chatvault",
        "runner",
        "--out",
        out,
        "--work",
        work,
      ],
      { encoding: "utf8", timeout: 280_000 },
    );
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const results = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as Results;
    assert.equal(results.size, "tiny");
    assert.equal(results.rows.length, 12); // 3 tools × 4 operations
    for (const row of results.rows.filter((x) => x.tool === "chatvault")) {
      assert.ok(row.measured, `chatvault ${row.operation}: ${row.reason}`);
      assert.ok(row.wall_s!.median > 0 && row.peak_rss_mib! > 0);
    }
    for (const row of results.rows) {
      if (!row.measured) assert.ok(row.reason && row.wall_s === null, "an unmeasured row carries a reason and no numbers");
      if (row.operation === "incremental") assert.ok(row.physical_minimum_bytes! > 0);
      if (row.operation === "restore" && row.measured) assert.equal(row.verified, true);
    }
    assert.ok(results.ceilings!.aes_gcm_mib_s > 0);
    assert.ok(results.corpus!.day!.changed_pages > 0);
    assert.ok(results.corpus!.generate_cpu_s! > 0);
    assert.ok(results.disk!.lowest_free_bytes <= results.disk!.free_at_start_bytes && results.disk!.planned_peak_bytes! > 0);
    const md = readFileSync(join(out, "latest.md"), "utf8");
    assert.match(md, /chatvault ÷ restic/);
    assert.ok(existsSync(join(out, "latest.svg")));
    assert.ok(!existsSync(work), "the work folder is removed");
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
