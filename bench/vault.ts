/**
 * The Backup Key Vault under load on loopback (docs/performance.md, Targets: key vault):
 * full unlocks per second and p50/p99 latency at fixed concurrencies, for SQLite (one node,
 * one process: the vault's default `--workers 1`) and PostgreSQL (two nodes sharing one database), each as a ratio to
 * the bare OPAQUE server ceiling of both cores measured in the same run; then p99 at half
 * that load.
 *
 * The load generator runs in this process on the same two cores, with the vault's cheap
 * test-only key stretching (Argon2id 8 KiB) so the client's Argon2id does not swamp the
 * machine; its CPU and the vault's are both reported.
 *
 * What the rows measure is a vault's steady state: it runs compiled (`compiledVaultMain`, as
 * `chatvault serve` does) and is warmed up by a count of unlocks, not seconds, before the
 * first row (per node: each has its own JIT); the yardstick is warmed up by the same count of
 * logins. The vault's CPU per unlock is flat after ~3,000 unlocks per node, whatever the rate (docs/performance.md, "Key vault,
 * tenth round"); at 30–50 unlocks/s a time-based warm-up measured unoptimized code.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PG_ADMIN_URL, adminQuery } from "./pg-admin.ts";
import { generateRootKey } from "@chatvault/format";
import { useNodeCrypto } from "@chatvault/format/node";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import { mintDevToken } from "@chatvault/vault-server";
import { type KeepAliveFetch, createKeepAliveFetch, postgresReachable } from "@chatvault/vault-server/testing";
import { opaqueCeiling, opaqueCpuCeiling } from "./vault-ceiling.ts";
import type { VaultRow } from "./results.ts";
import { type LoadResult, closedLoop, openLoop, summarize } from "./vault-load.ts";
import { type VaultNode, compiledVaultMain, freePort, startVaultNode, treeCpuSeconds } from "./vault-process.ts";

export interface VaultBenchOptions {
  sizeName: string;
  /** One-core OPAQUE server ceiling from the crypto part, or null to measure it here. */
  ceilingPerCore: number | null;
  log: (line: string) => void;
  notes: string[];
  work?: string;
}

const PASSWORD = "correct horse battery staple (bench)";
const CORES = 2;

interface Plan {
  concurrencies: number[];
  seconds: number;
  maxUnlocks: number;
  /** Unlocks per vault node before the first row (at most `warmupSeconds`), and logins before the yardstick is timed. */
  warmupUnlocks: number;
  warmupSeconds: number;
}

const PLANS: Record<string, Plan> = {
  tiny: { concurrencies: [4], seconds: 1, maxUnlocks: 300, warmupUnlocks: 300, warmupSeconds: 1 },
  small: { concurrencies: [1, 8, 32], seconds: 3, maxUnlocks: 6000, warmupUnlocks: 3000, warmupSeconds: 60 },
  full: { concurrencies: [1, 8, 32, 64], seconds: 6, maxUnlocks: 20000, warmupUnlocks: 3000, warmupSeconds: 60 },
};
/** In flight during the warm-up: as the rows that count (the closed loops at 32 and 64). */
const WARMUP_CONCURRENCY = 32;

export interface Backend {
  name: "sqlite" | "postgres";
  nodes: VaultNode[];
  secret: string;
  cleanup(): Promise<void>;
}

/**
 * Vault nodes as the bench runs them: this tree's `main.ts` compiled (`compiledVaultMain`); `o.mainPath` starts another build
 * (a `.ts` one under tsx: pass it through `compiledVaultMain` to compare compiled builds), `o.nodeFlags` are given to its processes (e.g. `--cpu-prof`),
 * `o.sqliteWorkers` replaces the SQLite node's worker count (default 1, as the vault's own default).
 */
export async function startBackend(
  name: "sqlite" | "postgres",
  work: string,
  o: { mainPath?: string; nodeFlags?: string[]; sqliteWorkers?: number } = {},
): Promise<Backend> {
  const dir = join(work, `vault-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  const env = { ...process.env, CHATVAULT_VAULT_JWT_SECRET: secret };
  const common = ["--data-dir", dir, "--host", "127.0.0.1", "--rate-ip", "0", "--rate-account", "0", "--allow-weak-ksf", "--log-level", "info"];
  const nodes: VaultNode[] = [];
  o = { ...o, mainPath: o.mainPath ?? (await compiledVaultMain()) };
  let dbName: string | null = null;
  const cleanup = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (dbName) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (name === "sqlite") {
      // One node, one process (the vault's default): SQLite has one writer, and a second worker on
      // the same file cost ~40% more CPU per unlock here (write-lock polling, each process
      // re-reading what the other wrote, two JITs) for no more throughput, the load generator
      // holding the other core (docs/performance.md, "Key vault, fifth round").
      const workers = String(o.sqliteWorkers ?? 1);
      nodes.push(await startVaultNode([...common, "--port", String(await freePort()), "--workers", workers], env, o));
    } else {
      dbName = `chatvault_bench_${randomBytes(6).toString("hex")}`;
      await adminQuery(`CREATE DATABASE ${dbName}`);
      const u = new URL(PG_ADMIN_URL);
      u.pathname = `/${dbName}`;
      // Two stateless nodes on one database (and one key-encryption key file); the first prepares the schema.
      for (let i = 0; i < 2; i++) {
        nodes.push(
          await startVaultNode(
            [...common, "--port", String(await freePort()), "--workers", "1", "--database-url", u.toString(), "--key-file", join(dir, "vault-kek.key")],
            env,
            o,
          ),
        );
      }
    }
    return { name, nodes, secret, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * `accounts` accounts with password backup enabled (cheap test KSF), account a on node
 * a mod n, so the load is spread over the nodes; returns "unlock account a".
 */
export async function enrolledAccounts(
  backend: Backend,
  fetches: readonly KeepAliveFetch[],
  accounts: number,
  prefix: string,
  password: string,
): Promise<(a: number) => Promise<unknown>> {
  const clients: VaultClient[] = [];
  for (let a = 0; a < accounts; a++) {
    const token = await mintDevToken({ secret: backend.secret, account: `${prefix}-${a}`, ttl: 3600 });
    const node = a % backend.nodes.length;
    clients.push(
      new VaultClient({
        baseUrl: backend.nodes[node]!.url,
        token: () => token,
        fetch: fetches[node]!,
        keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
        allowWeakKeyStretching: true,
      }),
    );
  }
  for (const c of clients) await c.enable(password, generateRootKey());
  return (a: number) => clients[a]!.unlock(password);
}

export async function runVaultBench(opts: VaultBenchOptions): Promise<VaultRow[]> {
  const { log } = opts;
  useNodeCrypto();
  const plan = PLANS[opts.sizeName] ?? PLANS.full!;
  const ceiling = opts.ceilingPerCore ?? (await opaqueCeiling(300, log));
  const twoCore = ceiling * CORES;
  // Unlocks per vault CPU-second are divided by the OPAQUE step per CPU-second, measured here.
  const cpuCeiling = await opaqueCpuCeiling(300, 3, plan.warmupUnlocks);
  log(`OPAQUE server step in CPU time: ${cpuCeiling.toFixed(0)} logins per CPU-second (wall-clock ceiling ${ceiling.toFixed(0)}/s)`);
  opts.notes.push(
    `key vault: "unlocks per vault CPU-s ÷ one-core ceiling" divides by the OPAQUE server step timed in CPU seconds in the same run (${cpuCeiling.toFixed(0)}/CPU-s after ${plan.warmupUnlocks} logins not timed; wall-clock ${ceiling.toFixed(0)}/s)`,
    `key vault: the vault runs compiled (an esbuild bundle of main.ts, as \`chatvault serve\` runs; before 2026-12-03 under tsx) and is warmed up by ${plan.warmupUnlocks} unlocks per node at ${WARMUP_CONCURRENCY} in flight (at most ${plan.warmupSeconds} s; before 2026-12-03, 1 s at 8) before its first row`,
  );
  const work = opts.work ?? join(new URL(".", import.meta.url).pathname, "work");
  const rows: VaultRow[] = [];
  const accounts = Math.max(...plan.concurrencies) + 8;

  for (const name of ["sqlite", "postgres"] as const) {
    const nodesCount = name === "sqlite" ? 1 : 2;
    const notMeasured = (reason: string) => {
      rows.push({
        backend: name,
        nodes: nodesCount,
        concurrency: 0,
        measured: false,
        reason,
        unlocks: 0,
        errors: 0,
        seconds: 0,
        unlocks_per_s: null,
        p50_ms: null,
        p99_ms: null,
        ceiling_ratio: null,
        load: "peak",
      });
      opts.notes.push(`key vault (${name}): not measured — ${reason}`);
    };
    if (name === "postgres" && !(await postgresReachable(PG_ADMIN_URL))) {
      notMeasured(`PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@/]*@/, "//")}`);
      continue;
    }
    let backend: Backend;
    try {
      backend = await startBackend(name, work);
    } catch (e) {
      notMeasured(`vault did not start: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const fetches = backend.nodes.map(() => createKeepAliveFetch({ maxSockets: 256 }));
    try {
      if (name === "sqlite")
        opts.notes.push("key vault (sqlite): one node, one process (--workers 1, the vault's default; before 2026-12-01 evening the bench ran two workers)");
      log(`vault (${name}): ${backend.nodes.length} node(s) at ${backend.nodes.map((n) => n.url).join(", ")}; registering ${accounts} accounts`);
      // Account a talks to node a mod n: the load is spread over the nodes.
      const unlock = await enrolledAccounts(backend, fetches, accounts, "bench", PASSWORD);
      const pids = backend.nodes.map((n) => n.proc.pid!);
      // Warm-up by count (JIT, WebAssembly tier-up, connections): the steady state a running vault is in.
      // Each node has its own JIT: the count is per node (account a goes to node a mod n).
      const warmup = plan.warmupUnlocks * backend.nodes.length;
      const warm = await closedLoop(unlock, accounts, Math.min(WARMUP_CONCURRENCY, accounts), plan.warmupSeconds, warmup);
      if (warm.unlocks + warm.errors < warmup)
        opts.notes.push(
          `key vault (${name}): the warm-up reached only ${warm.unlocks} unlocks in ${plan.warmupSeconds} s (of ${warmup}): the rows may not be at the steady state`,
        );

      const measure = async (load: VaultRow["load"], concurrency: number, run: () => Promise<LoadResult>, offered?: number) => {
        const cpu0 = treeCpuSeconds(pids);
        const r = await run();
        const vaultCpu = (treeCpuSeconds(pids) - cpu0) / r.seconds;
        const s = summarize(r);
        const row: VaultRow = {
          backend: name,
          nodes: backend.nodes.length,
          concurrency,
          measured: r.unlocks > 0,
          unlocks: r.unlocks,
          errors: r.errors,
          seconds: r.seconds,
          ...s,
          ceiling_ratio: s.unlocks_per_s == null ? null : s.unlocks_per_s / twoCore,
          load,
          ...(offered != null ? { offered_per_s: offered } : {}),
          loadgen_cpu_cores: r.loadgenCpuCores,
          vault_cpu_cores: vaultCpu,
          cpu_efficiency: s.unlocks_per_s == null || vaultCpu <= 0 ? null : s.unlocks_per_s / vaultCpu / cpuCeiling,
          ...(r.unlocks === 0 ? { reason: `every unlock failed: ${r.firstError ?? "?"}` } : {}),
        };
        if (r.errors > 0) opts.notes.push(`key vault (${name}, ${load}, concurrency ${concurrency}): ${r.errors} unlocks failed, first: ${r.firstError}`);
        rows.push(row);
        log(
          `vault (${name}) ${load.padEnd(9)} c=${String(concurrency).padEnd(3)} ${s.unlocks_per_s?.toFixed(0) ?? "—"} unlocks/s (${r.unlocks} in ${r.seconds.toFixed(1)} s, ${r.errors} errors), p50 ${s.p50_ms?.toFixed(1) ?? "—"} ms, p99 ${s.p99_ms?.toFixed(1) ?? "—"} ms; vault CPU ${vaultCpu.toFixed(2)} cores, load generator ${r.loadgenCpuCores.toFixed(2)} cores`,
        );
        return row;
      };

      let best = 0;
      for (const c of plan.concurrencies) {
        const row = await measure("peak", c, () => closedLoop(unlock, accounts, c, plan.seconds, plan.maxUnlocks));
        best = Math.max(best, row.unlocks_per_s ?? 0);
      }
      const half = twoCore / 2;
      const cap = (rate: number) => Math.min(plan.maxUnlocks, Math.ceil(rate * plan.seconds));
      await measure("half", accounts, () => openLoop(unlock, accounts, half, plan.seconds, cap(half)), half);
      if (best > 0 && best / 2 < half) {
        await measure("half-peak", accounts, () => openLoop(unlock, accounts, best / 2, plan.seconds, cap(best / 2)), best / 2);
      }
    } catch (e) {
      notMeasured(`load run failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const f of fetches) f.close();
      await backend.cleanup();
    }
  }
  // The step again once the vault rows are done: on a shared machine it drifts by 15–25% within
  // minutes (2026-12-02: 662 → 543 logins per CPU-second across one probe). The ratios keep the
  // first; the note gives the reader the spread instead of hiding it.
  const cpuCeilingAfter = await opaqueCpuCeiling(300, 3);
  log(`OPAQUE server step in CPU time after the vault rows: ${cpuCeilingAfter.toFixed(0)} logins per CPU-second (before: ${cpuCeiling.toFixed(0)})`);
  opts.notes.push(
    `key vault: the OPAQUE server step measured again after the vault rows: ${cpuCeilingAfter.toFixed(0)}/CPU-s (the ratios divide by the first, ${cpuCeiling.toFixed(0)}/CPU-s; with the second they would be ×${(cpuCeiling / cpuCeilingAfter).toFixed(2)})`,
  );
  return rows;
}
