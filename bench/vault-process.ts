/**
 * Vault nodes for the load benchmark, each a separate process started the way operators
 * start it (packages/vault-server/src/main.ts, compiled: `compiledVaultMain`), plus the CPU
 * time their process trees use, read from /proc.
 */
import { spawnSync } from "node:child_process";
import { VAULT_MAIN_PATH, type VaultProcess, spawnVaultProcess } from "@chatvault/vault-server/testing";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { bundleEntry } from "./build-runner.ts";
import { processTree } from "./measure.ts";

const bundles = new Map<string, Promise<string>>();

/**
 * The vault's `main.ts` as plain JavaScript, the way operators run it (`chatvault serve` is
 * part of the CLI's esbuild bundle; the package's own `dist/main.js` is tsc's): an esbuild
 * bundle of that tree's sources (build-runner.ts, npm packages loaded from its
 * node_modules), written under that tree's `bench/work/vault-main/`, built once per process.
 * A `.js`/`.mjs` path is returned as it is. Under tsx the vault pays the loader and its
 * `__name` helpers at run time (docs/performance.md, "Key vault, tenth round").
 */
export function compiledVaultMain(main: string = VAULT_MAIN_PATH): Promise<string> {
  const abs = resolve(main);
  if (!abs.endsWith(".ts")) return Promise.resolve(abs);
  let b = bundles.get(abs);
  if (!b) {
    // <tree>/packages/vault-server/src/main.ts → <tree>/bench/work/vault-main/
    const out = join(dirname(abs), "..", "..", "..", "bench", "work", "vault-main");
    b = bundleEntry(abs, out, "main");
    bundles.set(abs, b);
  }
  return b;
}

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

/** Starts `main.ts` (or `o.mainPath`, with `o.nodeFlags`) with `args`; resolves once it listens, rejects with its stderr if it exits first. */
export function startVaultNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { mainPath?: string; nodeFlags?: string[] } = {},
  timeoutMs = 60_000,
): Promise<VaultNode> {
  return spawnVaultProcess(args, { env, timeoutMs, ...o });
}

const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds (user + system) used so far by the live processes of the trees rooted at `pids`. */
export function treeCpuSeconds(pids: number[]): number {
  const t = treeCpuTimes(pids);
  return t.user + t.system;
}

/** User and system CPU seconds used so far by the live processes of the trees rooted at `pids`. */
export function treeCpuTimes(pids: number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const root of pids) {
    for (const pid of processTree(root)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name (which may hold spaces) start at ")".
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        user += Number(f[11]); // utime (field 14)
        system += Number(f[12]); // stime (field 15)
      } catch {
        // exited
      }
    }
  }
  return { user: user / TICK, system: system / TICK };
}
