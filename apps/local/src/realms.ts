/**
 * `npm start -- --realms 3`: N realms of the threshold vault on this machine, each a vault
 * server of its own — its own home (`<home>/realm-<i>/vault`: SQLite, key file, dev token
 * secret), port and realm ID — so the distributed setup can be tried without N machines.
 * Writes, for the CLI session's account, one token per realm (each realm's own secret) and
 * a realms file naming them (docs/cli.md, "Realms mode"). A try-out: on one machine the
 * realms share one operator.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DATA_FILES, loadOrCreateDevSecret, mintDevToken, type parseCommandLine, startVaultServer } from "@chatvault/vault-server";

/** Realm i listens on 8480 + i by default (8481, 8482, …), or on a free port when the vault's port is 0. */
export function realmPort(basePort: number, i: number): number {
  return basePort === 0 ? 0 : 8480 + i;
}

export interface LocalRealm {
  index: number;
  url: string;
  dataDir: string;
  tokenSecret: string;
  close(): Promise<void>;
}

/** The vault's options from its CHATVAULT_VAULT_* variables, less `workers` (one process each here). */
export type VaultEnv = Omit<ReturnType<typeof parseCommandLine>["options"], "workers">;

export async function startLocalRealms(env: VaultEnv, home: string, n: number, basePort: number): Promise<LocalRealm[]> {
  const realms: LocalRealm[] = [];
  try {
    for (let i = 1; i <= n; i++) {
      const dataDir = join(home, `realm-${i}`, "vault");
      // Each realm verifies tokens of its own issuer: its own dev secret, never the vault's (spec/threshold-vault.md §2).
      const { auth: _auth, ...rest } = env;
      const running = await startVaultServer({
        ...rest,
        host: "127.0.0.1",
        port: realmPort(basePort, i),
        dataDir,
        logLevel: env.logLevel ?? "warn",
        logDestination: process.stderr,
      });
      const tokenSecret = loadOrCreateDevSecret(join(dataDir, DATA_FILES.devSecret));
      realms.push({ index: i, url: running.url, dataDir, tokenSecret, close: () => running.close() });
    }
  } catch (e) {
    await Promise.all(realms.map((r) => r.close().catch(() => undefined)));
    throw e;
  }
  return realms;
}

/** One token per realm for `account`, and the realms file (threshold t) that names them. */
export async function writeRealmsSession(realms: LocalRealm[], threshold: number, home: string, account: string): Promise<string> {
  const entries = [];
  for (const r of realms) {
    const file = join(home, `${account}.realm-${r.index}.token`);
    await rm(file, { force: true });
    // A credential: mode 0600, and "wx" so a file that appeared since the rm is never written through.
    await writeFile(file, (await mintDevToken({ secret: r.tokenSecret, account, ttl: 30 * 86400 })) + "\n", { mode: 0o600, flag: "wx" });
    entries.push({ url: r.url, tokenFile: `${account}.realm-${r.index}.token` });
  }
  const realmsFile = join(home, `${account}.realms.json`);
  await writeFile(realmsFile, JSON.stringify({ threshold, realms: entries }, null, 2) + "\n", { mode: 0o600 });
  return realmsFile;
}

/** The default threshold of a local set: a majority (2 of 3, 3 of 5). */
export function defaultThreshold(n: number): number {
  return Math.floor(n / 2) + 1;
}
