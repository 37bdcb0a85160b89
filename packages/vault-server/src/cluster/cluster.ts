/**
 * Several vault processes on one host (spec/vault-protocol.md §10.5): node:cluster
 * workers share one listening port, so one host uses all its cores. The primary prepares
 * everything first (schema, key file / HSM key, sealed vault secrets), so workers never
 * race to create them, then forks the workers and hands each the resolved config over IPC.
 * Crashed workers are replaced; `close()` shuts all down gracefully.
 */
import cluster, { type Worker } from "node:cluster";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { resolveConfig, type VaultServerConfig, type VaultServerOptions } from "../config.ts";
import { Metrics, type MetricsSnapshot } from "../metrics.ts";
import { openMigratedVaultStore } from "../store/open.ts";
import { loadVaultSecrets } from "../sealing/vault-secrets.ts";
import { RecordCrypto } from "../sealing/record-crypto.ts";
import { authenticateLegacyRows } from "../store/authenticated.ts";
import { isMessage, type PrimaryToWorker, type WorkerToPrimary } from "./messages.ts";

export interface VaultClusterOptions extends VaultServerOptions {
  /** Worker processes (default: number of cores). */
  workers?: number;
}

export interface RunningVaultCluster {
  url: string;
  config: VaultServerConfig;
  workerPids(): number[];
  close(): Promise<void>;
}

/** A startup error reported by a worker. */
export class VaultStartupError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "VaultStartupError";
  }
}

export async function startVaultCluster(options: VaultClusterOptions = {}): Promise<RunningVaultCluster> {
  if (!cluster.isPrimary) throw new Error("startVaultCluster must run in a primary process");
  const config = resolveConfig(options);
  const n = options.workers ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new RangeError("workers must be an integer ≥ 1");

  // Prepare shared state once, so workers only ever open it.
  const store = await openMigratedVaultStore(config.database, { testClock: config.testClock });
  try {
    const { secrets, sealer } = await loadVaultSecrets(store, config.sealer);
    await sealer.close();
    await authenticateLegacyRows(store, new RecordCrypto(secrets), () => randomBytes(16).toString("base64url"));
  } finally {
    await store.close();
  }

  // Compiled when installed; TypeScript run by tsx in the workspace (like process.ts).
  const fromSource = import.meta.url.endsWith(".ts");
  // A profiled primary (`node --cpu-prof …`, or `--perf-basic-prof` for Linux perf) gets profiled workers: that is where the logins run.
  const profiling = process.execArgv.filter((a) => a.startsWith("--cpu-prof") || a.startsWith("--perf-basic-prof"));
  cluster.setupPrimary({
    exec: fileURLToPath(fromSource ? new URL("./worker.ts", import.meta.url) : new URL("./worker.js", import.meta.url)),
    execArgv: [...profiling, ...(fromSource ? ["--conditions=chatvault-source", "--import", "tsx"] : [])],
  });
  const workers = new Set<Worker>();
  let closing = false;
  let url = "";
  const collections = new Map<number, { snaps: MetricsSnapshot[]; expect: number; done: () => void }>();
  let collectId = 1;

  const sumMetrics = async (): Promise<string> => {
    const id = collectId++;
    const live = [...workers];
    const snaps: MetricsSnapshot[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1500);
      collections.set(id, { snaps, expect: live.length, done: () => (clearTimeout(timer), resolve()) });
      for (const w of live) w.send({ type: "vault:metrics-collect", id } satisfies PrimaryToWorker);
    });
    collections.delete(id);
    return Metrics.render(snaps);
  };

  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      workers.add(w);
      w.on("message", (m: unknown) => {
        if (!isMessage<WorkerToPrimary>(m)) return;
        if (m.type === "vault:ready") w.send({ type: "vault:config", config } satisfies PrimaryToWorker);
        else if (m.type === "vault:listening") resolve(m.url);
        else if (m.type === "vault:startup-error") reject(new VaultStartupError(m.code, m.message));
        else if (m.type === "vault:metrics-request") {
          void sumMetrics().then((text) => w.isConnected() && w.send({ type: "vault:metrics-result", id: m.id, text } satisfies PrimaryToWorker));
        } else if (m.type === "vault:metrics-snapshot") {
          const c = collections.get(m.id);
          if (c) {
            c.snaps.push(m.snapshot);
            if (c.snaps.length >= c.expect) c.done();
          }
        }
      });
      w.once("exit", (code) => {
        workers.delete(w);
        reject(new VaultStartupError(undefined, `vault worker exited with code ${code} before listening`));
        if (!closing && url) void fork().catch(() => {}); // replace a crashed worker
      });
    });

  const stopAll = async () => {
    closing = true;
    await Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill("SIGKILL"), 10_000);
            w.once("exit", () => (clearTimeout(kill), resolve()));
            if (w.isConnected()) w.send({ type: "vault:shutdown" } satisfies PrimaryToWorker);
            else w.process.kill("SIGTERM");
          }),
      ),
    );
  };

  try {
    const urls = await Promise.all(Array.from({ length: n }, fork));
    url = urls[0]!;
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    url,
    config,
    workerPids: () => [...workers].map((w) => w.process.pid!).filter(Boolean),
    close: stopAll,
  };
}
