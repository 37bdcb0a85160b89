/**
 * The client side of sequential 2-of-3 unlocks alone, for a CPU profile of the client
 * (docs/performance.md, threshold realms): three realm processes as in bench/vault-realms.ts,
 * one account, `unlocks` unlocks one after another (after a warm-up).
 * `PROFILE=/tmp/realms.cpuprofile node --conditions=chatvault-source --import tsx bench/realms-profile.ts [unlocks] [single]`
 * With `alternate` as the mode: single-vault and realms rounds of `unlocks` unlocks alternated
 * ROUNDS (default 8) times against the same processes; per mode the median of the rounds' p50
 * and CPU per unlock (a latency ratio less exposed to a loaded machine's drift), and each vault
 * process's CPU per unlock (/proc, clock ticks: read it as a median over rounds). DOWN=<i> stops
 * realm i after enrolment (one realm down; with DOWN=1 the single vault is down too: use "realms").
 */
import { rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { useNodeCrypto } from "@chatvault/format/node";
import { unlock } from "@chatvault/vault-protocol/threshold";
import { startBenchRealms } from "./realm-processes.ts";
import { treeCpuSeconds } from "./vault-process.ts";

const unlocks = Number(process.argv[2] ?? 200);
const mode = process.argv[3] === "single" ? "single" : process.argv[3] === "alternate" ? "alternate" : "realms";
useNodeCrypto();
const dir = join("/tmp", `realms-profile-${process.pid}`);
const bench = await startBenchRealms(dir, 16);
const { nodes } = bench;
try {
  const clients = await bench.enrol("realm-profile", "pw (profile)");
  const single = () => clients.single.unlock("pw (profile)");
  const realms = () => unlock(clients.realms, "pw (profile)");
  const run = mode === "single" ? single : realms;
  // DOWN=<i>: stop realm i (1-based) after enrolment, for the one-realm-down case (spec §12).
  if (process.env.DOWN) await nodes[Number(process.env.DOWN) - 1]!.stop();
  for (let i = 0; i < 30; i++) await single();
  for (let i = 0; i < 30; i++) await realms();
  if (mode === "alternate") {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const pids = nodes.map((n) => n.proc.pid!);
    const round = async (f: () => Promise<unknown>) => {
      const ms: number[] = [];
      const v0 = pids.map((p) => treeCpuSeconds([p]));
      const c0 = process.cpuUsage();
      for (let i = 0; i < unlocks; i++) {
        const t = performance.now();
        await f();
        ms.push(performance.now() - t);
      }
      const c = process.cpuUsage(c0);
      const vault = pids.map((p, i) => ((treeCpuSeconds([p]) - v0[i]!) * 1000) / unlocks);
      const sorted = [...ms].sort((a, b) => a - b);
      return { p50: median(ms), p10: sorted[Math.floor(sorted.length / 10)]!, cpu: (c.user + c.system) / 1000 / unlocks, vault };
    };
    type Round = { p50: number; p10: number; cpu: number; vault: number[] };
    const got = { single: [] as Round[], realms: [] as Round[] };
    for (let r = 0; r < Number(process.env.ROUNDS ?? 8); r++) {
      got.single.push(await round(single));
      got.realms.push(await round(realms));
    }
    const s50 = median(got.single.map((x) => x.p50));
    const r50 = median(got.realms.map((x) => x.p50));
    const ratios = got.realms.map((x, i) => x.p50 / got.single[i]!.p50);
    // p10: the unlocks least delayed by other jobs' scheduling on a loaded machine (the idle-machine latency is nearer it than p50).
    const s10 = median(got.single.map((x) => x.p10));
    const r10 = median(got.realms.map((x) => x.p10));
    const vaultCpu = (rs: Round[]) => pids.map((_, i) => median(rs.map((r) => r.vault[i]!)).toFixed(2)).join(" / ");
    console.log(
      `alternate: ${got.single.length} rounds × ${unlocks}: single p50 ${s50.toFixed(2)} ms, CPU ${median(got.single.map((x) => x.cpu)).toFixed(2)} ms; realms p50 ${r50.toFixed(2)} ms, CPU ${median(got.realms.map((x) => x.cpu)).toFixed(2)} ms; ratio of medians ${(r50 / s50).toFixed(2)}×, median of per-round ratios ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((x) => x.toFixed(2)).join(" ")}); p10 single ${s10.toFixed(2)} ms, realms ${r10.toFixed(2)} ms, ratio ${(r10 / s10).toFixed(2)}×; vault processes' CPU per unlock (ms, 1 / 2 / 3): single ${vaultCpu(got.single)}, realms ${vaultCpu(got.realms)}`,
    );
    process.exitCode = 0;
  }
  // PROFILE=<file>: a CPU profile of the measured unlocks only (not start-up, enrolment, warm-up).
  const session = process.env.PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < (mode === "alternate" ? 0 : unlocks); i++) await run();
  const c = process.cpuUsage(c0);
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  if (mode !== "alternate")
    console.log(
      `${mode}: ${unlocks} unlocks, ${((performance.now() - t0) / unlocks).toFixed(2)} ms each (wall), client CPU ${((c.user + c.system) / 1000 / unlocks).toFixed(2)} ms each`,
    );
} finally {
  await bench.stop();
  rmSync(dir, { recursive: true, force: true });
}
