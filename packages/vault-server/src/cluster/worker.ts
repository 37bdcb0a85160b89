/**
 * Entry of a cluster worker process: waits for its configuration from the primary (over
 * IPC, so secrets never sit in argv or the environment), starts one vault server on the
 * shared port, and answers metrics and shutdown requests.
 */
import { Metrics } from "../metrics.ts";
import { startVaultServer, type RunningVault } from "../server.ts";
import { isMessage, type PrimaryToWorker, type WorkerToPrimary } from "./messages.ts";

const send = (m: WorkerToPrimary) => process.send?.(m);
let running: RunningVault | undefined;
let nextId = 1;
const pending = new Map<number, (text: string) => void>();

/** Ask the primary for /metrics summed over all workers. */
function clusterMetricsText(): Promise<string> {
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(Metrics.render(running ? [running.metrics.snapshot()] : []));
    }, 2000);
    pending.set(id, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    send({ type: "vault:metrics-request", id });
  });
}

process.on("message", (m: unknown) => {
  if (!isMessage<PrimaryToWorker>(m)) return;
  switch (m.type) {
    case "vault:config":
      startVaultServer({ ...m.config, metricsText: clusterMetricsText }).then(
        (r) => {
          running = r;
          send({ type: "vault:listening", url: r.url });
        },
        (e: unknown) => {
          send({ type: "vault:startup-error", code: (e as { code?: string }).code, message: e instanceof Error ? e.message : String(e) });
          setTimeout(() => process.exit(1), 50);
        },
      );
      break;
    case "vault:shutdown":
      void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      break;
    case "vault:metrics-collect":
      send({ type: "vault:metrics-snapshot", id: m.id, snapshot: running?.metrics.snapshot() ?? { counters: {}, histograms: {} } });
      break;
    case "vault:metrics-result":
      pending.get(m.id)?.(m.text);
      pending.delete(m.id);
      break;
  }
});

// Only now can the primary's messages be heard (module loading is asynchronous).
send({ type: "vault:ready" });

// SIGTERM/SIGINT reach workers too (same process group): stop gracefully.
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.on(sig, () => void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
}
