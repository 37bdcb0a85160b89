/**
 * The young generation of a backup's isolates stays at its initial size once the chunk
 * workers run: V8 puts the process-wide `--semi-space-growth-factor` back to 2 whenever it
 * sets up an isolate's heap, so without the flag set again after each worker's start (`afterWorkerStarted`)
 * the new space grew to 2 × 16 MiB (docs/performance.md, "Full backup, round 4"). Checked in
 * a fresh process, whose heap nothing else has grown yet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const probe = `
import { getHeapSpaceStatistics } from "node:v8";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkIdSet } from ${JSON.stringify(new URL("../backup/id-set.ts", import.meta.url).href)};
import { workerRunner } from ${JSON.stringify(new URL("./chunk-pool.ts", import.meta.url).href)};
import { keepYoungGenerationSmall } from ${JSON.stringify(new URL("./young-generation.ts", import.meta.url).href)};
keepYoungGenerationSmall(); // as the CLI does first thing for a backup
import { RootKey } from ${JSON.stringify(import.meta.resolve("@chatvault/format"))};
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").physical_space_size;
const runner = workerRunner(new RootKey(randomBytes(32)), { min: 16384, avg: 65536, max: 262144 }, ChunkIdSet.build([]), 1, 1);
// One task run there: its worker's isolate has been set up by then.
const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-heap-"));
writeFileSync(join(dir, "m.bin"), randomBytes(100_000));
await runner.run({ kind: "file", path: join(dir, "m.bin"), compressible: false }, async () => {});
rmSync(dir, { recursive: true, force: true });
// Objects that survive scavenges: what makes V8 grow the young generation.
const kept = [];
for (let i = 0; i < 3_000_000; i++) {
  kept.push({ i, s: String(i) });
  if (kept.length > 200_000) kept.splice(0, 100_000);
}
await runner.close();
process.stdout.write(String(newSpace()));
`;

test("with a chunk worker started, this thread's young generation does not grow past its initial size", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-heap-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "probe.mjs"), probe);
  const out = execFileSync(process.execPath, ["--conditions=chatvault-source", "--import", "tsx", join(dir, "probe.mjs")], { encoding: "utf8" });
  const mib = Number(out) / (1024 * 1024);
  // Initial size: 2 × 1 MiB semi-spaces (plus a page); grown: 2 × 16 MiB.
  assert.ok(mib <= 4, `new space ${mib.toFixed(1)} MiB`);
});
