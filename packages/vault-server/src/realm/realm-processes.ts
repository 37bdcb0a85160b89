/**
 * Test support (`@chatvault/vault-server/testing`): realms as SEPARATE PROCESSES (`main.ts`, the way operators run them), each
 * with its own data folder, database (SQLite file or its own PostgreSQL database), sealing
 * key (key file or a SoftHSM2 token) and account-token secret. A realm may run several
 * processes on one database. Tests can kill, stop (SIGSTOP) and restart them.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { needService, tempDir } from "../test-services.ts";
import { mintDevToken } from "../auth/dev-token.ts";
import { createTestDatabase, postgresAvailable, spawnVault, type SpawnedVault } from "../test-vault.ts";
import { RealmDriver } from "./realm-driver.ts";

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

export function softhsmAvailable(): boolean {
  try {
    execFileSync("softhsm2-util", ["--version"], { stdio: "ignore" });
    return existsSync(SOFTHSM_MODULE);
  } catch {
    return false;
  }
}

export interface RealmSpec {
  database?: "sqlite" | "postgres";
  /** Processes on the realm's one database (default 1). */
  processes?: number;
  sealer?: "keyfile" | "pkcs11";
}

export interface RealmUnderTest {
  spec: Required<RealmSpec>;
  dir: string;
  /** SQLite file, or null on PostgreSQL. */
  sqlitePath: string | null;
  postgresUrl: string | null;
  keyFile: string | null;
  secret: string;
  nodes: SpawnedVault[];
  /** Every stdout line of every process of this realm (logs). */
  logs(): string[];
  realmId: string;
  /** A driver for `account` on node `node` of this realm. */
  driver(account: string, node?: number): Promise<RealmDriver>;
  token(account: string): Promise<string>;
  /** SIGKILL every process (no graceful shutdown). */
  kill(): Promise<void>;
  /** Start the processes again on the same database, key, secret and ports. */
  restart(): Promise<void>;
}

/** Returns null (test skipped) when a service the specs need is missing; fails under CI=true. */
export async function startRealms(t: TestContext, specs: RealmSpec[]): Promise<RealmUnderTest[] | null> {
  if (specs.some((s) => s.database === "postgres") && !needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return null;
  if (specs.some((s) => s.sealer === "pkcs11") && !needService(t, softhsmAvailable(), "SoftHSM2 not installed (apt-get install softhsm2)")) return null;
  return Promise.all(specs.map((s) => startRealm(t, { database: s.database ?? "sqlite", processes: s.processes ?? 1, sealer: s.sealer ?? "keyfile" })));
}

async function startRealm(t: TestContext, spec: Required<RealmSpec>): Promise<RealmUnderTest> {
  const dir = tempDir(t, "chatvault-realm-");
  const secret = randomBytes(32).toString("base64url");
  const postgresUrl = spec.database === "postgres" ? await createTestDatabase(t) : null;
  const env: Record<string, string> = { CHATVAULT_VAULT_JWT_SECRET: secret };
  const args = ["--data-dir", dir, "--allow-weak-ksf", "--test-clock", "--rate-ip", "0", "--rate-account", "0", "--log-level", "info"];
  if (postgresUrl) args.push("--database-url", postgresUrl, "--pg-pool-size", "20");
  let keyFile: string | null = join(dir, "vault-kek.key");
  if (spec.sealer === "pkcs11") {
    keyFile = null;
    mkdirSync(join(dir, "tokens"));
    const conf = join(dir, "softhsm2.conf");
    writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "realm", "--so-pin", "5678", "--pin", "1234"], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      stdio: "ignore",
    });
    writeFileSync(join(dir, "pin"), "1234\n", { mode: 0o600 });
    env.SOFTHSM2_CONF = conf;
    args.push("--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token-label", "realm", "--pkcs11-pin-file", join(dir, "pin"));
  }
  const lines: string[] = [];
  const spawnAll = async (ports: number[]): Promise<SpawnedVault[]> => {
    // The first process creates the schema and the sealed secrets; the others open them.
    const first = await spawnVault(t, [...args, "--port", String(ports[0] ?? 0)], env);
    const rest = await Promise.all(Array.from({ length: spec.processes - 1 }, (_x, i) => spawnVault(t, [...args, "--port", String(ports[i + 1] ?? 0)], env)));
    return [first, ...rest];
  };
  let nodes = await spawnAll([]);
  const realmId = ((await (await fetch(nodes[0]!.url + "/realm/v1/info")).json()) as { realmId: string }).realmId;
  const r: RealmUnderTest = {
    spec,
    dir,
    sqlitePath: postgresUrl ? null : join(dir, "vault.db"),
    postgresUrl,
    keyFile,
    secret,
    realmId,
    get nodes() {
      return nodes;
    },
    logs: () => [...lines, ...nodes.flatMap((n) => n.output)],
    token: (account) => mintDevToken({ secret, account, ttl: 3600 }),
    driver: async (account, node = 0) => new RealmDriver(nodes[node % nodes.length]!.url, realmId, await mintDevToken({ secret, account, ttl: 3600 })),
    kill: async () => {
      for (const n of nodes) {
        lines.push(...n.output);
        if (n.proc.exitCode === null && n.proc.signalCode === null) {
          const exited = new Promise((res) => n.proc.once("exit", res));
          n.proc.kill("SIGKILL");
          await exited;
        }
      }
    },
    restart: async () => {
      await r.kill();
      // Same ports: the realm keeps its address (the client's realm set names it by URL).
      nodes = await spawnAll(nodes.map((n) => Number(new URL(n.url).port)));
    },
  };
  return r;
}
