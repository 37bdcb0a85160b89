/**
 * The vault's CPU per unlock, for work on it: the bench's vault nodes (`vault.ts`), one
 * closed loop at one concurrency, the vault's CPU seconds from /proc, divided into the bare
 * OPAQUE server step timed in CPU seconds in the same process (`vault-ceiling.ts`). With
 * several `--main` builds it alternates them, start after start, so a comparison sees the
 * same machine state; with `--profile DIR` every vault process writes a V8 CPU profile
 * there (summarise with `bench/profile.ts`).
 *
 *   node --conditions=chatvault-source --import tsx bench/vault-probe.ts \
 *     [--backend sqlite|postgres] [--concurrency 32] [--seconds 5] [--rounds 2] \
 *     [--main path/to/main.ts,other/main.ts] [--profile DIR] [--warmup 1] [--rate R] [--workers N] [--tsx] [--warmup-unlocks N]
 *
 * `--warmup S` unlocks for S seconds before measuring (default 1, as the bench): on a
 * loaded machine V8 is still optimizing after tens of seconds, and its compiler threads'
 * CPU is counted (docs/performance.md, "on-CPU costs per unlock"). `--rate R` offers R
 * unlocks/s (open loop, `concurrency` ignored) instead of the closed loop: CPU per unlock
 * falls as throughput rises, so two builds compared at one rate differ only by their code.
 * `--workers N` runs the SQLite node with N cluster workers instead of one process (the bench's).
 * Each `--main` `.ts` runs compiled, as the bench runs it (`compiledVaultMain`: an esbuild bundle of
 * that tree's sources); `--tsx` runs it under tsx instead. The yardstick is timed after 3,000
 * logins, as the bench's.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { useNodeCrypto } from "@chatvault/format/node";
import { VAULT_MAIN_PATH, createKeepAliveFetch } from "@chatvault/vault-server/testing";
import { opaqueCpuCeiling } from "./vault-ceiling.ts";
import { closedLoop, openLoop, summarize } from "./vault-load.ts";
import { compiledVaultMain, treeCpuTimes } from "./vault-process.ts";
import { enrolledAccounts, startBackend } from "./vault.ts";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "sqlite" },
    concurrency: { type: "string", default: "32" },
    warmup: { type: "string", default: "1" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    main: { type: "string", default: VAULT_MAIN_PATH },
    profile: { type: "string" },
    rate: { type: "string" },
    workers: { type: "string" },
    tsx: { type: "boolean", default: false },
    "warmup-unlocks": { type: "string" },
  },
});
const backendName = values.backend as "sqlite" | "postgres";
if (backendName !== "sqlite" && backendName !== "postgres") throw new RangeError("--backend must be sqlite or postgres");
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const mains = values.main.split(",").map((p) => resolve(p));
const accounts = concurrency + 8;
const PASSWORD = "correct horse battery staple (probe)";
const work = join(new URL(".", import.meta.url).pathname, "work", `probe-${process.pid}`);

useNodeCrypto();
const ceiling0 = await opaqueCpuCeiling(300, 3, 3000);
process.stdout.write(`OPAQUE server step: ${ceiling0.toFixed(0)} logins per CPU-second (${(1000 / ceiling0).toFixed(3)} ms)\n`);

const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const main of mains) {
    const nodeFlags: string[] = [];
    if (values.profile) {
      const dir = resolve(values.profile, `${round}-${mains.indexOf(main)}`);
      mkdirSync(dir, { recursive: true });
      nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
    }
    const mainPath = values.tsx ? main : await compiledVaultMain(main);
    const backend = await startBackend(backendName, work, { mainPath, nodeFlags, ...(values.workers ? { sqliteWorkers: Number(values.workers) } : {}) });
    const fetches = backend.nodes.map(() => createKeepAliveFetch({ maxSockets: 256 }));
    try {
      const unlock = await enrolledAccounts(backend, fetches, accounts, "probe", PASSWORD);
      const pids = backend.nodes.map((n) => n.proc.pid!);
      const warmup = Number(values.warmup);
      // `--warmup-unlocks N`: N unlocks per node at 32 in flight (at most `--warmup` s), the bench's rule; else `--warmup` s at 8.
      if (values["warmup-unlocks"]) await closedLoop(unlock, accounts, Math.min(32, accounts), warmup, Number(values["warmup-unlocks"]) * backend.nodes.length);
      else await closedLoop(unlock, accounts, Math.min(8, accounts), warmup, warmup > 1 ? 1_000_000 : 2000); // warm-up (JIT, connections)
      for (let m = 0; m < 2; m++) {
        const cpu0 = treeCpuTimes(pids);
        // `--rate R`: open loop at R unlocks/s instead, so builds compare at the same throughput.
        const r = values.rate
          ? await openLoop(unlock, accounts, Number(values.rate), seconds, 100_000)
          : await closedLoop(unlock, accounts, concurrency, seconds, 100_000);
        const cpu1 = treeCpuTimes(pids);
        const user = cpu1.user - cpu0.user;
        const cpu = user + cpu1.system - cpu0.system;
        const msPerUnlock = (cpu * 1000) / r.unlocks;
        const ratio = r.unlocks / cpu / ceiling0;
        (results.get(main) ?? results.set(main, []).get(main)!).push(ratio);
        process.stdout.write(
          `${backendName} round ${round} ${main}: ${(r.unlocks / r.seconds).toFixed(0)} unlocks/s, p50 ${summarize(r).p50_ms?.toFixed(1)} ms, ${r.errors} errors, ` +
            `vault ${msPerUnlock.toFixed(3)} ms CPU per unlock (${((user * 1000) / r.unlocks).toFixed(3)} user; ${(cpu / r.seconds).toFixed(2)} cores), load generator ${r.loadgenCpuCores.toFixed(2)} cores, ` +
            `ratio ${ratio.toFixed(3)}\n`,
        );
      }
    } finally {
      for (const f of fetches) f.close();
      await backend.cleanup();
    }
  }
}
const ceiling1 = await opaqueCpuCeiling();
process.stdout.write(`OPAQUE server step at the end: ${ceiling1.toFixed(0)} logins per CPU-second\n`);
for (const [main, rs] of results) {
  const sorted = [...rs].sort((a, b) => a - b);
  process.stdout.write(`${main}: ratio median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} (${sorted.map((x) => x.toFixed(3)).join(", ")})\n`);
}
