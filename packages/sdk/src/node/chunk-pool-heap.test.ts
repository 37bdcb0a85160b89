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

const arenaProbe = `
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkIdSet } from ${JSON.stringify(new URL("../backup/id-set.ts", import.meta.url).href)};
import { workerRunner } from ${JSON.stringify(new URL("./chunk-pool.ts", import.meta.url).href)};
import { keepYoungGenerationSmall } from ${JSON.stringify(new URL("./young-generation.ts", import.meta.url).href)};
keepYoungGenerationSmall();
import { RootKey } from ${JSON.stringify(import.meta.resolve("@chatvault/format"))};
const peakMib = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-arena-"));
const media = join(dir, "m.bin");
writeFileSync(media, "");
for (let i = 0; i < 96; i++) appendFileSync(media, randomBytes(1 << 20));
writeFileSync(join(dir, "s.bin"), randomBytes(100_000));
// Media chunking as in a repository of today (~1 MiB chunks), on one worker.
const runner = workerRunner(new RootKey(randomBytes(32)), { min: 262144, avg: 1048576, max: 4194304 }, ChunkIdSet.build([]), 1, 1);
// A small task first: the worker's start and its module loading are in the peak before.
await runner.run({ kind: "file", path: join(dir, "s.bin"), compressible: false }, async () => {});
const before = peakMib();
await runner.run({ kind: "file", path: media, compressible: false }, async () => {});
const grown = peakMib() - before;
await runner.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(String(grown));
`;

test(
  "sealing 96 MiB on a chunk worker leaves little dead memory behind (a scavenge after each part)",
  { skip: process.platform !== "linux" && "reads /proc/self/status" },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chatvault-chunk-pool-arena-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "probe.mjs"), arenaProbe);
    const out = execFileSync(process.execPath, ["--conditions=chatvault-source", "--import", "tsx", join(dir, "probe.mjs")], { encoding: "utf8" });
    const grown = Number(out);
    // Measured (10 runs, loaded machine): 15–29 MiB with the scavenges, 36–42 MiB without —
    // the dead 64 KiB `Cipher.update` pieces piling up to ~32 MiB before V8 collected them.
    assert.ok(grown < 33, `peak RSS grew ${grown.toFixed(1)} MiB during the task`);
  },
);
