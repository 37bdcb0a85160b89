/**
 * The vault's CPU per unlock by part, in µs, from Linux `perf` (docs/performance.md, "Key
 * vault: on-CPU costs per unlock"). V8's `--cpu-prof` samples by wall clock: on a loaded
 * machine a thread that is runnable but not running (often right after a socket write
 * woke another process) keeps collecting samples, so its shares are not CPU. `perf record
 * -e cpu-clock` samples only a thread that is on a CPU, every thread of every vault
 * process (V8's compiler and GC threads included); the vault runs with
 * `--perf-basic-prof` so JIT and WASM frames have names. Each sample is put in the part of
 * its innermost frame that matches a rule below; the shares are scaled to the CPU per
 * unlock measured from /proc over the same window. The vault runs compiled, as the bench's
 * (`compiledVaultMain`; `--tsx` runs the sources under tsx).
 *
 *   node --conditions=chatvault-source --import tsx bench/vault-perf.ts \
 *     [--backend sqlite|postgres] [--concurrency 32] [--seconds 8] [--warmup 6] [--main path/to/main.ts] [--top N] [--script-out FILE] [--workers N] [--tsx]
 *
 * Needs `perf` (Debian package linux-perf) and permission to use it (root here).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { useNodeCrypto } from "@chatvault/format/node";
import { VAULT_MAIN_PATH, createKeepAliveFetch } from "@chatvault/vault-server/testing";
import { processTree } from "./measure.ts";
import { closedLoop } from "./vault-load.ts";
import { compiledVaultMain, treeCpuTimes } from "./vault-process.ts";
import { enrolledAccounts, startBackend } from "./vault.ts";

/** Parts of an unlock, first match wins on the innermost frame that matches any rule. */
const PARTS: ReadonlyArray<readonly [string, RegExp]> = [
  ["OPAQUE (WASM: startLogin, finishLogin)", /@serenity-kit\/opaque|startServerLogin|finishServerLogin|curve25519|sha2::|opaque_ke|voprf|wasm/],
  ["record and state crypto (AES-GCM, HMACs)", /record-crypto|sealing\/|node:internal\/crypto|Hmac|Cipher/],
  ["store: SQLite statements and driver", /better_sqlite3|better-sqlite3|store\/sqlite/],
  ["store: pg driver", /node_modules\/pg(-[a-z]+)?\//],
  ["store: authentication, transitions, rows", /store\//],
  ["account and session tokens", /account-token|session-token|jose/],
  ["fastify (routing, body, schema, reply)", /fastify|find-my-way|avvio|secure-json-parse|fast-json|toad-cache|ajv/],
  ["routes, policy, history, metrics, logging", /vault-server\/src\/|pino/],
  ["node:http", /_http_|node:http/],
  ["sockets, streams (incl. kernel TCP)", /node:net|stream_base|streams\/|tcp_|sock_|inet_|ip_|__x64_sys_(sendmsg|writev|read|recvfrom|write)\b/],
  ["fsync, file writes (kernel)", /fsync|ext4|jbd2|xfs|ovl_|vfs_write|pwrite|pread/],
  ["event loop, timers, promises", /epoll|uv__|uv_run|timers|task_queues|processTicks|promises/],
  ["GC (main thread)", /Heap::|Scavenge|MarkCompact|GCTracer|Sweeper/],
  ["JIT compile (main thread)", /compiler::|Compiler|CompileLazy|Maglev|ParseProgram|ParseFunction/],
];

/** The part of one `perf script` sample (header line, then frames innermost first). */
export function partOf(lines: readonly string[]): string {
  const h = /(\d+)\/(\d+)/.exec(lines[0]!); // "comm pid/tid": a thread other than the main one is V8's
  const frames = lines.slice(1);
  if (h && h[1] !== h[2]) {
    const all = frames.join("\n");
    // libuv's thread pool (file syncs and other fs calls, crypto jobs) is not V8's.
    if (/fsync|fdatasync|ext4|jbd2|vfs_|statx|newfstatat/.test(all)) return "fsync, file writes (kernel)";
    return `V8 helper threads: ${/compiler::|Compile|Maglev/.test(all) ? "JIT compile" : /Heap|Mark|Scaveng|Sweep/.test(all) ? "GC" : "other"}`;
  }
  for (const f of frames) for (const [name, re] of PARTS) if (re.test(f)) return name;
  return "other (libc, V8 runtime)";
}

/** The samples of `perf script` text: each the sample's header line, then its frames, innermost first. */
function samples(script: string): string[][] {
  return script
    .split(/\n\s*\n/)
    .map((block) => block.split("\n").filter((l) => l.trim() !== ""))
    .filter((lines) => lines.length >= 2);
}

/** µs per unlock of each part, from `perf script -F comm,pid,tid,ip,sym,dso` text. */
export function partsPerUnlock(script: string, cpuMsPerUnlock: number): Array<{ part: string; us: number; share: number }> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const lines of samples(script)) {
    total++;
    const p = partOf(lines);
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return [...counts].map(([part, n]) => ({ part, us: (1000 * cpuMsPerUnlock * n) / total, share: n / total })).sort((a, b) => b.us - a.us);
}

/** The `n` innermost frames (symbol and object) with the most samples, in µs per unlock: what a part is made of. */
export function hottestFrames(script: string, cpuMsPerUnlock: number, n: number): Array<{ frame: string; us: number }> {
  const counts = new Map<string, number>();
  let total = 0;
  for (const lines of samples(script)) {
    total++;
    const frame = lines[1]!.trim().replace(/^[0-9a-f]+\s+/, "");
    counts.set(frame, (counts.get(frame) ?? 0) + 1);
  }
  return [...counts]
    .map(([frame, c]) => ({ frame, us: (1000 * cpuMsPerUnlock * c) / total }))
    .sort((a, b) => b.us - a.us)
    .slice(0, n);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", default: "sqlite" },
      concurrency: { type: "string", default: "32" },
      seconds: { type: "string", default: "8" },
      warmup: { type: "string", default: "6" },
      main: { type: "string", default: VAULT_MAIN_PATH },
      top: { type: "string", default: "0" },
      "script-out": { type: "string" },
      workers: { type: "string" },
      tsx: { type: "boolean", default: false },
    },
  });
  const backendName = values.backend as "sqlite" | "postgres";
  if (backendName !== "sqlite" && backendName !== "postgres") throw new RangeError("--backend must be sqlite or postgres");
  if (spawnSync("perf", ["--version"]).status !== 0) throw new Error("perf is not installed (apt-get install linux-perf)");
  const concurrency = Number(values.concurrency);
  const accounts = concurrency + 8;
  useNodeCrypto();
  const work = mkdtempSync(join(tmpdir(), "vault-perf-"));
  const data = join(work, "perf.data");
  const backend = await startBackend(backendName, work, {
    mainPath: values.tsx ? resolve(values.main) : await compiledVaultMain(resolve(values.main)),
    nodeFlags: ["--perf-basic-prof"],
    ...(values.workers ? { sqliteWorkers: Number(values.workers) } : {}),
  });
  const fetches = backend.nodes.map(() => createKeepAliveFetch({ maxSockets: 256 }));
  let pids: number[] = [];
  try {
    const unlock = await enrolledAccounts(backend, fetches, accounts, "perf", "correct horse battery staple (perf)");
    const roots = backend.nodes.map((n) => n.proc.pid!);
    await closedLoop(unlock, accounts, concurrency, Number(values.warmup), 1_000_000); // JIT, connections
    pids = roots.flatMap(processTree);
    const perf = spawn("perf", ["record", "-q", "-e", "cpu-clock", "-F", "1999", "-g", "-o", data, "-p", pids.join(",")], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 500));
    const c0 = treeCpuTimes(roots);
    const r = await closedLoop(unlock, accounts, concurrency, Number(values.seconds), 1_000_000);
    const c1 = treeCpuTimes(roots);
    perf.kill("SIGINT");
    await new Promise((done) => perf.once("exit", done));
    const cpuMs = ((c1.user - c0.user + c1.system - c0.system) * 1000) / r.unlocks;
    const script = spawnSync("perf", ["script", "-F", "comm,pid,tid,ip,sym,dso", "-i", data], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout;
    process.stdout.write(
      `${backendName}, ${concurrency} in flight: ${(r.unlocks / r.seconds).toFixed(0)} unlocks/s, ${r.errors} errors, vault ${cpuMs.toFixed(3)} ms CPU per unlock\n`,
    );
    for (const p of partsPerUnlock(script, cpuMs))
      process.stdout.write(`${p.us.toFixed(0).padStart(6)} µs ${(100 * p.share).toFixed(1).padStart(5)}%  ${p.part}\n`);
    if (values["script-out"]) writeFileSync(values["script-out"], script);
    const top = Number(values.top);
    if (top > 0) {
      process.stdout.write(`hottest innermost frames (µs per unlock):\n`);
      for (const f of hottestFrames(script, cpuMs, top)) process.stdout.write(`${f.us.toFixed(1).padStart(7)} µs  ${f.frame}\n`);
    }
  } finally {
    for (const f of fetches) f.close();
    await backend.cleanup();
    rmSync(work, { recursive: true, force: true });
    // `--perf-basic-prof` also makes V8 write an isolate-…-PID-v8.log into the working folder.
    for (const f of readdirSync(".")) if (pids.some((pid) => f.startsWith("isolate-") && f.endsWith(`-${pid}-v8.log`))) rmSync(f, { force: true });
  }
}
