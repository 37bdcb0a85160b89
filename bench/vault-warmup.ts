/**
 * How long the vault and its yardstick take to reach their steady state: one vault start
 * (the bench's nodes, `vault.ts`), then a closed loop cut into windows, each window's
 * unlocks/s and vault CPU per unlock (from /proc, every vault process), with the part of
 * that CPU spent on threads other than the main ones (V8's compiler and GC threads, libuv's
 * pool). Then the bare OPAQUE server step (`vault-ceiling.ts`) timed the same way, window
 * after window, in a fresh child process, so both curves start cold.
 *
 *   node --conditions=chatvault-source --import tsx bench/vault-warmup.ts \
 *     [--backend sqlite|postgres] [--concurrency 32] [--window 3] [--windows 20] [--main path/to/main.ts] [--tsx] [--step-only]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { useNodeCrypto } from "@chatvault/format/node";
import { VAULT_MAIN_PATH, createKeepAliveFetch } from "@chatvault/vault-server/testing";
import { opaqueCpuCeiling } from "./vault-ceiling.ts";
import { processTree } from "./measure.ts";
import { closedLoop } from "./vault-load.ts";
import { compiledVaultMain, treeCpuSeconds } from "./vault-process.ts";
import { enrolledAccounts, startBackend } from "./vault.ts";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "sqlite" },
    concurrency: { type: "string", default: "32" },
    window: { type: "string", default: "3" },
    windows: { type: "string", default: "20" },
    main: { type: "string", default: VAULT_MAIN_PATH },
    "step-only": { type: "boolean", default: false },
    "step-child": { type: "boolean", default: false },
    tsx: { type: "boolean", default: false },
  },
});
const window = Number(values.window);
const windows = Number(values.windows);

/** CPU seconds of the threads that are not a process's main thread (tid ≠ pid), over the trees at `pids`. */
function helperThreadSeconds(pids: number[]): number {
  let ticks = 0;
  for (const root of pids) {
    for (const pid of processTree(root)) {
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        if (Number(tid) === pid) continue;
        try {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
          const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          ticks += Number(f[11]) + Number(f[12]);
        } catch {
          // exited
        }
      }
    }
  }
  return ticks / 100;
}

useNodeCrypto();

if (values["step-child"]) {
  // The yardstick's curve: rounds of 300 logins (as the bench's `opaqueCpuCeiling`), one line per window.
  const t0 = performance.now();
  for (let w = 0; w < windows; w++) {
    const end = t0 + (w + 1) * window * 1000;
    const rates: number[] = [];
    while (performance.now() < end) rates.push(await opaqueCpuCeiling(300, 1));
    const best = Math.max(...rates);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    process.stdout.write(
      `step window ${w} (${(((w + 1) * window * 1000 - 0) / 1000).toFixed(0)} s): ${rates.length} rounds, best ${best.toFixed(0)}, mean ${mean.toFixed(0)} logins per CPU-second (${(1000 / mean).toFixed(3)} ms)\n`,
    );
  }
  process.exit(0);
}

if (!values["step-only"]) {
  const backendName = values.backend as "sqlite" | "postgres";
  const concurrency = Number(values.concurrency);
  const accounts = concurrency + 8;
  const work = join(new URL(".", import.meta.url).pathname, "work", `warmup-${process.pid}`);
  const backend = await startBackend(backendName, work, { mainPath: values.tsx ? resolve(values.main) : await compiledVaultMain(resolve(values.main)) });
  const fetches = backend.nodes.map(() => createKeepAliveFetch({ maxSockets: 256 }));
  try {
    const unlock = await enrolledAccounts(backend, fetches, accounts, "warmup", "correct horse battery staple (warmup)");
    const pids = backend.nodes.map((n) => n.proc.pid!);
    let total = 0;
    for (let w = 0; w < windows; w++) {
      const c0 = treeCpuSeconds(pids);
      const h0 = helperThreadSeconds(pids);
      const r = await closedLoop(unlock, accounts, concurrency, window, 1_000_000);
      const cpu = treeCpuSeconds(pids) - c0;
      const helpers = helperThreadSeconds(pids) - h0;
      total += r.unlocks;
      process.stdout.write(
        `${backendName} window ${w} (${((w + 1) * window).toFixed(0)} s, ${total} unlocks): ${(r.unlocks / r.seconds).toFixed(0)} unlocks/s, ${r.errors} errors, ` +
          `vault ${((cpu * 1000) / r.unlocks).toFixed(3)} ms CPU per unlock (${((helpers * 1000) / r.unlocks).toFixed(3)} off the main threads; ${(cpu / r.seconds).toFixed(2)} cores), load generator ${r.loadgenCpuCores.toFixed(2)} cores\n`,
      );
    }
  } finally {
    for (const f of fetches) f.close();
    await backend.cleanup();
  }
}
process.stdout.write(
  execFileSync(
    process.execPath,
    [
      "--conditions=chatvault-source",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--step-child",
      "--window",
      String(window),
      "--windows",
      String(windows),
    ],
    {
      encoding: "utf8",
    },
  ),
);
