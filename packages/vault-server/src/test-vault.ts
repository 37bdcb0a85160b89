/**
 * Test support (`@chatvault/vault-server/testing`, never the main entry): start a vault
 * in-process on a random port with captured logs, mint tokens, make clients, run `main.ts`
 * as its own process, and create throwaway PostgreSQL databases.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import pg from "pg";
import { tempDir } from "./test-services.ts";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient, type VaultClientOptions } from "@chatvault/vault-protocol";
import { mintDevToken } from "./auth/dev-token.ts";
import { createLogger } from "./logger.ts";
import { VAULT_MAIN_PATH, type VaultProcess, postgresReachable, spawnVaultProcess } from "./process.ts";
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
    host: "127.0.0.1",
    port: 0,
    dataDir: dir,
    auth: { hs256Secret: secret },
    allowWeakKeyStretching: true,
    rateLimit: false,
    sweepIntervalMs: 0,
    logger: createLogger({ level: "debug", destination }),
    ...o,
  });
  t.after(() => vault.close());
  const token = (account: string, ttl = 3600) => mintDevToken({ secret, account, ttl });
  return {
    vault,
    url: vault.url,
    secret,
    dir,
    logs,
    token,
    client: async (account, extra = {}) => {
      const tok = await token(account);
      return new VaultClient({
        baseUrl: vault.url,
        token: () => tok,
        keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
        allowWeakKeyStretching: true,
        ...extra,
      });
    },
  };
}

let pgUp: Promise<boolean> | undefined;
/** True when the PostgreSQL of these machines answers (127.0.0.1:5432, trust auth). */
export function postgresAvailable(): Promise<boolean> {
  pgUp ??= postgresReachable(PG_ADMIN_URL, 1500);
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

export const MAIN_PATH = VAULT_MAIN_PATH;

export interface SpawnedVault extends VaultProcess {
  /** Every stdout line so far (logs included), kept after start-up too. */
  output: string[];
}

/** Run `main.ts` as its own process, stopped when the test ends (see process.ts). */
export async function spawnVault(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<SpawnedVault> {
  const output: string[] = [];
  const v = await spawnVaultProcess(args, { env: { ...process.env, ...env }, onLine: (l) => output.push(l) });
  t.after(v.stop);
  return { ...v, output };
}
