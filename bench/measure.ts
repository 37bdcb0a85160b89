/**
 * Runs one command as its users run it — a separate process — and measures wall time
 * and peak resident memory of the whole process tree (the command and every
 * descendant), by polling /proc/<pid>/status. Each process' own high-water mark
 * (VmHWM) is read too, so a short spike between two polls of a process is not lost.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

export interface CommandResult {
  /** Until the command exited and, with `syncPath`, its output was on disk. */
  wallSeconds: number;
  /** Until the command exited (what its user waits for at the prompt). */
  commandSeconds: number;
  peakRssMiB: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Poll interval for the memory of the tree, ms. */
  pollMs?: number;
  /** Run `sync -f <path>` after the command, inside the timed span: the result is durable. */
  syncPath?: string;
  timeoutMs?: number;
}

function readStatusKiB(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    return { rss: rss ? Number(rss[1]) : 0, hwm: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null; // gone between two reads
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    // Each thread lists the children it forked; a multi-threaded parent spreads them.
    const tasks = readdirSafe(`/proc/${pid}/task`);
    for (const t of tasks) {
      const text = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (text) for (const c of text.split(/\s+/)) out.push(Number(c));
    }
  } catch {
    // the process exited
  }
  return out;
}

function readdirSafe(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}

/** Every pid in the tree rooted at `root` (root included, if alive). */
export function processTree(root: number): number[] {
  const seen: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    seen.push(p);
    stack.push(...children(p));
  }
  return seen;
}

/** Samples the tree's memory until stopped; `peakMiB` is max(Σ VmRSS at one instant, any process' VmHWM). */
export class TreeMemorySampler {
  #timer: NodeJS.Timeout | undefined;
  #peakSumKiB = 0;
  #peakHwmKiB = 0;
  readonly #root: number;

  constructor(root: number, pollMs = 10) {
    this.#root = root;
    this.sample();
    this.#timer = setInterval(() => this.sample(), pollMs);
  }

  sample(): void {
    let sum = 0;
    for (const pid of processTree(this.#root)) {
      const s = readStatusKiB(pid);
      if (!s) continue;
      sum += s.rss;
      if (s.hwm > this.#peakHwmKiB) this.#peakHwmKiB = s.hwm;
    }
    if (sum > this.#peakSumKiB) this.#peakSumKiB = sum;
  }

  stop(): number {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    return Math.max(this.#peakSumKiB, this.#peakHwmKiB) / 1024;
  }
}

/** Runs `cmd args`, resolving with timings and output; rejects only if it cannot start. */
export function runMeasured(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    if (child.pid === undefined) {
      child.once("error", reject);
      return;
    }
    const sampler = new TreeMemorySampler(child.pid, opts.pollMs ?? 10);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.once("error", (e) => {
      sampler.stop();
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once("exit", () => {
      // The process is gone but not reaped until 'close'; its last sample already counted.
      sampler.sample();
    });
    child.once("close", (code) => {
      const peakRssMiB = sampler.stop();
      if (timer) clearTimeout(timer);
      const commandSeconds = (performance.now() - t0) / 1000;
      const finish = () => resolve({ wallSeconds: (performance.now() - t0) / 1000, commandSeconds, peakRssMiB, stdout, stderr, code });
      if (opts.syncPath && code === 0) {
        const s = spawn("sync", ["-f", opts.syncPath], { stdio: "ignore" });
        s.once("close", finish);
        s.once("error", finish);
      } else finish();
    });
  });
}

/** Runs a command to completion without measuring; throws with its stderr on failure. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const r = await runMeasured(cmd, args, { ...opts, pollMs: 1000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${lastLines(r.stderr || r.stdout)}`);
  return r;
}

export function lastLines(text: string, n = 5): string {
  return text.trim().split("\n").slice(-n).join(" | ");
}
