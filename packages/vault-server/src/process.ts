/**
 * The vault as a separate process, the way operators run it (`main.ts`): for tests that
 * need several nodes and for the load benchmark. Resolves once `main.ts` prints its
 * `{"msg":"vault ready","url":…}` line (printed whatever the log level); rejects with the
 * tail of its stderr if it exits or stays silent first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** Installed: compiled `main.js`. In the workspace: `main.ts`, run by tsx with the package sources (see README "Layout"). */
const fromSource = import.meta.url.endsWith(".ts");
export const VAULT_MAIN_PATH = fileURLToPath(fromSource ? new URL("./main.ts", import.meta.url) : new URL("./main.js", import.meta.url));
/** Node flags that run the vault's own files: none when compiled. */
export const VAULT_EXEC_ARGV: readonly string[] = fromSource ? ["--conditions=chatvault-source", "--import", "tsx"] : [];

export interface VaultProcess {
  url: string;
  proc: ChildProcess;
  /** SIGTERM (graceful shutdown), then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface SpawnVaultOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Every stdout line, e.g. to keep the logs for a test's secret scan. */
  onLine?: (line: string) => void;
  /**
   * Another build's `main.ts`/`main.js` (a benchmark comparing two versions); default `VAULT_MAIN_PATH`.
   * A compiled main (`.js`, `.mjs`) runs on plain Node, as operators run it; a `.ts` one under tsx.
   */
  mainPath?: string;
  /** Extra Node flags (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry); cluster workers inherit them. */
  nodeFlags?: readonly string[];
}

export function spawnVaultProcess(args: string[], o: SpawnVaultOptions = {}): Promise<VaultProcess> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const main = o.mainPath ?? VAULT_MAIN_PATH;
  const execArgv = main.endsWith(".ts") ? ["--conditions=chatvault-source", "--import", "tsx"] : [];
  const proc = spawn(process.execPath, [...(o.nodeFlags ?? []), ...execArgv, main, ...args], {
    env: o.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += String(c)));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      proc.once("exit", () => (clearTimeout(kill), resolve()));
      proc.kill("SIGTERM");
    });
  const tail = () => stderr.trim().split("\n").slice(-3).join(" | ");
  return new Promise<VaultProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vault did not start within ${timeoutMs} ms: ${tail()}`)), timeoutMs);
    let buf = "";
    // Keep reading stdout for the process's whole life, so a chatty vault never blocks on a full pipe.
    proc.stdout!.on("data", (c: Buffer) => {
      buf += String(c);
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        o.onLine?.(line);
        const m = /"msg":"vault ready"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (m) {
          clearTimeout(timer);
          resolve({ url: m[1]!, proc, stop });
        }
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vault exited with ${code}: ${tail()}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
}

/** True when a PostgreSQL server answers at `url` within `timeoutMs`. */
export async function postgresReachable(url: string, timeoutMs = 2000): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
