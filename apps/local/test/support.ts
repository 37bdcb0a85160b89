/**
 * Test support for `npm start`: run the app as the root script does (from the workspace
 * root), and the CLI the way its printed session does (`npx chatvault` there, i.e. the
 * workspace's node_modules/.bin/chatvault), each "machine" with a config dir of its own.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { WORKSPACE_ROOT } from "../src/session.ts";

export { WORKSPACE_ROOT };
export const MAIN = join(WORKSPACE_ROOT, "apps/local/src/main.ts");
/** What `npx chatvault` runs in the workspace root. */
export const CHATVAULT = join(WORKSPACE_ROOT, "node_modules/.bin/chatvault");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { env, cwd: WORKSPACE_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A "machine" running `npx chatvault …`: its own config dir; everything else about the environment is clean. */
export function machine(dir: string, name: string, extraEnv: Record<string, string> = {}): { run(args: string[]): Promise<RunResult> } {
  const config = join(dir, `machine-${name}`);
  mkdirSync(config, { recursive: true });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: config, CHATVAULT_CONFIG_DIR: config, TMPDIR: process.env.TMPDIR ?? "/tmp", ...extraEnv };
  return { run: (args) => run([CHATVAULT, ...args], env, 120_000) };
}

/** `npm start -- <args>` run to its end (for runs that fail before anything starts). */
export function runLocal(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<RunResult> {
  return run(["--conditions=chatvault-source", "--import", "tsx", MAIN, ...args], env, timeoutMs);
}

export interface Started {
  child: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Ctrl-C as a terminal sends it: SIGINT to the process group. */
  interrupt(): void;
}

/**
 * A long-running start in its own process group, SIGKILLed after the test whatever
 * happened. `argv` is the node command line (the root start script's words, or MAIN's).
 */
export function startDetached(t: import("node:test").TestContext, argv: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, argv, { cwd: WORKSPACE_ROOT, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end();
  const s = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (s.stdout += d));
  child.stderr.on("data", (d) => (s.stderr += d));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  t.after(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  });
  return {
    child,
    get stdout() {
      return s.stdout;
    },
    get stderr() {
      return s.stderr;
    },
    exited,
    interrupt: () => process.kill(-child.pid!, "SIGINT"),
  };
}

/** Poll `find` over the output until it returns something, or fail after `ms`. */
export async function waitFor<T>(what: string, started: Started, find: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${ms} ms; stdout:\n${started.stdout}\nstderr:\n${started.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { treeHashes, writeSecret } from "../../../packages/cli/test/support.ts";
