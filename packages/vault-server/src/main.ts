/**
 * Runnable vault: `node --conditions=chatvault-source --import tsx packages/vault-server/src/main.ts [flags]`
 * (the CLI's `chatvault serve` wraps the same functions). Flags and environment are in
 * `command-line.ts` and docs/vault.md. SIGINT/SIGTERM stop it gracefully. A startup
 * problem (bad key file mode, wrong PIN, missing HSM key, unreachable database) prints
 * one line on stderr and exits 1.
 */
import { join } from "node:path";
import { parseCommandLine, usage } from "./command-line.ts";
import { DATA_FILES, defaultDataDir } from "./config.ts";
import { loadOrCreateDevSecret, mintDevToken } from "./auth/dev-token.ts";
import { startVaultCluster } from "./cluster/cluster.ts";
import { startVaultServer } from "./server.ts";

async function main(): Promise<void> {
  const cl = parseCommandLine(process.argv.slice(2));
  if (cl.command === "help") {
    process.stdout.write(usage() + "\n");
    return;
  }
  if (cl.command === "token") {
    if (!cl.account) throw new RangeError("token needs --account ID");
    const secret =
      cl.options.auth && "hs256Secret" in cl.options.auth
        ? cl.options.auth.hs256Secret
        : loadOrCreateDevSecret(join(cl.options.dataDir ?? defaultDataDir(), DATA_FILES.devSecret));
    process.stdout.write((await mintDevToken({ secret, account: cl.account, ttl: cl.ttlSeconds ?? 3600 })) + "\n");
    return;
  }
  const { workers = 1, ...options } = cl.options;
  // Signals are handled from before the start: a SIGTERM that arrives while starting, or
  // right after "vault ready" is printed, stops the vault gracefully (logs drained) instead
  // of killing it with the default action.
  const vault: { running?: { close(): Promise<void> } } = {};
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    vault.running?.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const started = workers === 1 ? await startVaultServer(options) : await startVaultCluster({ ...options, ...(workers > 0 ? { workers } : {}) });
  vault.running = started;
  if (stopping) {
    stopping = false;
    return stop();
  }
  // One machine-readable line, whatever the log level: supervisors and tests wait for it.
  process.stdout.write(JSON.stringify({ msg: "vault ready", url: started.url, pid: process.pid, workers }) + "\n");
}

main().catch((e: unknown) => {
  const code = (e as { code?: unknown }).code;
  process.stderr.write(`chatvault vault: ${typeof code === "string" ? `${code}: ` : ""}${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
