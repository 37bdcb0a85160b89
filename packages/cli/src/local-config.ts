/**
 * This machine's chatvault folder ($CHATVAULT_CONFIG_DIR, else $XDG_CONFIG_HOME/chatvault,
 * else ~/.config/chatvault). It holds nothing secret: the key-mode freshness record per
 * repository (HMAC'd under the root key, spec §8.6) and, per repository, where the vault
 * and the account-token file are, so later commands need not repeat them.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function configDir(): string {
  if (process.env.CHATVAULT_CONFIG_DIR) return resolve(process.env.CHATVAULT_CONFIG_DIR);
  const base = process.env.XDG_CONFIG_HOME ? resolve(process.env.XDG_CONFIG_HOME) : join(homedir(), ".config");
  return join(base, "chatvault");
}

/** Key-mode freshness record of one repository. */
export function headRecordPath(repoId: string): string {
  return join(configDir(), "heads", `${repoId}.json`);
}

/** Remembered per repository: paths and URLs only, never a secret. */
export interface RepoMemory {
  vaultUrl?: string;
  tokenFile?: string;
  /** Realms mode: token file per realm URL. */
  realmTokenFiles?: Record<string, string>;
  /** Realms mode: the newest registration version this machine saw (older is a rollback, spec/threshold-vault.md §6.2). */
  realmVersion?: number;
}

function memoryPath(repoId: string): string {
  return join(configDir(), "repos", `${repoId}.json`);
}

export async function recall(repoId: string): Promise<RepoMemory> {
  try {
    const j = JSON.parse(await readFile(memoryPath(repoId), "utf8")) as Record<string, unknown>;
    return {
      ...(typeof j.vaultUrl === "string" ? { vaultUrl: j.vaultUrl } : {}),
      ...(typeof j.tokenFile === "string" ? { tokenFile: j.tokenFile } : {}),
      ...(j.realmTokenFiles && typeof j.realmTokenFiles === "object" ? { realmTokenFiles: j.realmTokenFiles as Record<string, string> } : {}),
      ...(typeof j.realmVersion === "number" ? { realmVersion: j.realmVersion } : {}),
    };
  } catch {
    return {}; // missing or unreadable: behave like a new machine
  }
}

export async function remember(repoId: string, m: RepoMemory): Promise<void> {
  const path = memoryPath(repoId);
  await mkdir(join(configDir(), "repos"), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...(await recall(repoId)), ...m }, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, path);
}
