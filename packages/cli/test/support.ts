/**
 * Test support for the CLI's transcript tests: run the real CLI as a child process with a
 * fresh config dir per "machine", hash restored trees, and drive a pseudo-terminal (tmux).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO_ROOT = resolve(CLI_ROOT, "../..");
export const BIN = join(CLI_ROOT, "bin", "chatvault.js");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Parsed stdout when it is one JSON object. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever each command prints
  json: any;
}

export interface Machine {
  /** This machine's CHATVAULT_CONFIG_DIR. */
  config: string;
  env: Record<string, string>;
  run(args: string[], opts?: { env?: Record<string, string>; input?: string; stdio3?: string; timeoutMs?: number }): Promise<RunResult>;
}

/** A "machine": its own config dir; everything else about the environment is clean. */
export function machine(dir: string, name: string, extraEnv: Record<string, string> = {}): Machine {
  const config = join(dir, `machine-${name}`);
  mkdirSync(config, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: config,
    CHATVAULT_CONFIG_DIR: config,
    TMPDIR: process.env.TMPDIR ?? "/tmp",
    ...extraEnv,
  };
  return {
    config,
    env,
    run: (args, opts = {}) => runCli(args, { ...env, ...opts.env }, opts),
  };
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { input?: string; stdio3?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: ["pipe", "pipe", "pipe", ...(opts.stdio3 !== undefined ? ["pipe" as const] : [])],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
    if (opts.stdio3 !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream;
      fd3.end(opts.stdio3);
    }
    child.stdin!.end(opts.input ?? "");
  });
}

/** sha256 of every file under `dir`, keyed by relative path. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

export function fileHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function writeSecret(path: string, text: string): string {
  writeFileSync(path, text + "\n", { mode: 0o600 });
  return path;
}

/** A consistent copy of a live SQLite database (the backup API), to compare with a restore. */
export function sqliteDump(dbPath: string): string {
  const r = spawnSync("sqlite3", [dbPath, ".dump"], { encoding: "utf8" });
  return r.stdout;
}

export interface ServedVault {
  url: string;
  home: string;
  /** Mint a dev token for `account` into a file (through `chatvault serve token`). */
  token(account: string, file: string): Promise<string>;
  /** TEST ONLY: move the vault's clock forward (needs `--test-clock`). */
  advanceClock(ms: number): Promise<void>;
  /** SIGINT; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * A vault run by `chatvault serve` in a child process, on a random port, SQLite under a
 * temp home, with cheap test password hashing (clients set CHATVAULT_INSECURE_TEST_KSF=1).
 */
export async function serveVault(home: string, args: string[] = []): Promise<ServedVault> {
  const env = { PATH: process.env.PATH ?? "", HOME: home, CHATVAULT_VAULT_ALLOW_WEAK_KSF: "1", CHATVAULT_VAULT_RATE_LIMIT_ACCOUNT: "0" };
  const child = spawn(process.execPath, [BIN, "serve", "--home", home, "--port", "0", "--json", ...args], {
    env,
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`vault did not start: ${stderr}`)), 30_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    void exited.then((code) => fail(new Error(`vault exited (${code}): ${stderr}`)));
  });
  return {
    url,
    home,
    async token(account, file) {
      const r = await runCli(["serve", "token", "--home", home, "--account", account, "--out", file, "--force"], env);
      if (r.code !== 0) throw new Error(`serve token failed: ${r.stderr}`);
      return file;
    },
    async advanceClock(ms) {
      const res = await fetch(`${url}/_test/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advanceMs: ms }),
      });
      if (!res.ok) throw new Error(`test clock: HTTP ${res.status}`);
    },
    async stop() {
      child.kill("SIGINT");
      return exited;
    },
  };
}
