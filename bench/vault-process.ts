/**
 * Vault nodes for the load benchmark, each a separate process started the way operators
 * start it (packages/vault-server/src/main.ts), plus the CPU time their process trees
 * use, read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { processTree } from "./measure.ts";

const here = new URL(".", import.meta.url).pathname;
export const VAULT_MAIN = join(here, "..", "packages", "vault-server", "src", "main.ts");

export interface VaultNode {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (cluster workers then share it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

/** Starts `main.ts` with `args`; resolves once it listens, rejects with its stderr if it exits first. */
export async function startVaultNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<VaultNode> {
  const proc = spawn(process.execPath, ["--import", "tsx", VAULT_MAIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += String(c)));
  const stop = () => new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    proc.once("exit", () => (clearTimeout(kill), resolve()));
    proc.kill("SIGTERM");
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vault did not listen within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    let buf = "";
    proc.stdout!.on("data", (c: Buffer) => {
      buf += String(c);
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /"msg":"vault (?:cluster )?listening"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vault exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  // Keep draining its output so a chatty vault never blocks on a full pipe.
  proc.stdout!.resume();
  return { url, proc, stop };
}

const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds (user + system) used so far by the live processes of the trees rooted at `pids`. */
export function treeCpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const root of pids) {
    for (const pid of processTree(root)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name (which may hold spaces) start at ")".
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
      } catch {
        // exited
      }
    }
  }
  return ticks / TICK;
}
