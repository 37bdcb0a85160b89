/**
 * Vault nodes for the load benchmark, each a separate process started the way operators
 * start it (packages/vault-server/src/main.ts), plus the CPU time their process trees
 * use, read from /proc.
 */
import { spawnSync } from "node:child_process";
import { type VaultProcess, spawnVaultProcess } from "@chatvault/vault-server/testing";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { processTree } from "./measure.ts";


export type VaultNode = VaultProcess;

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
export function startVaultNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<VaultNode> {
  return spawnVaultProcess(args, { env, timeoutMs });
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
