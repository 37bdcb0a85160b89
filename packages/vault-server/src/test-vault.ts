/**
 * Test support for this package's suites (not exported from the package): start a vault
 * in-process on a random port with captured logs, mint tokens, make clients, and create
 * throwaway PostgreSQL databases.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import pg from "pg";
import { tempDir } from "@chatvault/testkit";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient, type VaultClientOptions } from "@chatvault/vault-protocol";
import { mintDevToken } from "./auth/dev-token.ts";
import { createLogger } from "./logger.ts";
import { startVaultServer, type RunningVault, type StartVaultServerOptions } from "./server.ts";

export const PG_ADMIN_URL = process.env.CHATVAULT_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestVault {
  vault: RunningVault;
  url: string;
  secret: string;
  dir: string;
  /** Every log line the vault wrote. */
  logs: string[];
  token(account: string, ttl?: number): Promise<string>;
  /** A client with the cheap test KSF (pass `keyStretching` to override). */
  client(account: string, extra?: Partial<VaultClientOptions>): Promise<VaultClient>;
}

export async function startTestVault(t: TestContext, o: StartVaultServerOptions = {}): Promise<TestVault> {
  const dir = tempDir(t, "chatvault-vault-test-");
  const secret = o.auth && "hs256Secret" in o.auth ? o.auth.hs256Secret : randomBytes(32).toString("base64url");
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(line);
      cb();
    },
  });
  const vault = await startVaultServer({
    host: "127.0.0.1", port: 0, dataDir: dir, auth: { hs256Secret: secret }, allowWeakKeyStretching: true,
    rateLimit: false, sweepIntervalMs: 0, logger: createLogger({ level: "debug", destination }),
    ...o,
  });
  t.after(() => vault.close());
  const token = (account: string, ttl = 3600) => mintDevToken({ secret, account, ttl });
  return {
    vault, url: vault.url, secret, dir, logs, token,
    client: async (account, extra = {}) => {
      const tok = await token(account);
      return new VaultClient({
        baseUrl: vault.url, token: () => tok, keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true, ...extra,
      });
    },
  };
}

let pgUp: Promise<boolean> | undefined;
/** True when the PostgreSQL of these machines answers (127.0.0.1:5432, trust auth). */
export function postgresAvailable(): Promise<boolean> {
  pgUp ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 1500 });
    try {
      await c.connect();
      await c.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return pgUp;
}

/** A fresh database `chatvault_test_<random>`, dropped when the test ends. Returns its URL. */
export async function createTestDatabase(t: TestContext): Promise<string> {
  const name = `chatvault_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  t.after(async () => {
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export { join };

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MAIN_PATH = fileURLToPath(new URL("./main.ts", import.meta.url));

export interface SpawnedVault {
  url: string;
  proc: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Run `main.ts` as its own process. Resolves with its URL once it listens; rejects with
 * its stderr if it exits first (startup errors).
 */
export function spawnVault(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<SpawnedVault> {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN_PATH, ...args], {
    env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let stderr = "";
  const stop = () => new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
  });
  t.after(stop);
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout!.on("data", (c: Buffer) => {
      buf += String(c);
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        output.push(line);
        const m = /"msg":"vault ready"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (m) resolve({ url: m[1]!, proc, output, stop });
      }
    });
    proc.stderr!.on("data", (c: Buffer) => (stderr += String(c)));
    proc.once("exit", (code) => reject(new Error(`vault exited with ${code}: ${stderr.trim()}`)));
  });
}
