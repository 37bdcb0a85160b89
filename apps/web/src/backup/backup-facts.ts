/**
 * What can be said about the account's backup before it is unlocked: how many snapshots,
 * how much it holds in storage, and — in password mode — when the last one was made (the
 * vault's freshness head records the time it last advanced, spec/vault-protocol.md §7).
 * The snapshots themselves are encrypted, so a key-mode backup's time is known only once
 * it is opened.
 */
import { passwordKeeps } from "./connections.ts";
import { layout } from "@chatvault/sdk";
import type { PasswordVault } from "./connections.ts";
import type { Connections } from "./connections.ts";
import type { FoundBackup } from "./repository.ts";

export interface BackupFacts {
  snapshots: number;
  /** Bytes the backup takes in storage (ciphertext: packs, index, snapshots, config). */
  storedBytes: number;
  /** Time of the last backup (ms), when the vault recorded it; undefined in key mode. */
  lastBackupAt: number | undefined;
}

export async function backupFacts(conn: Connections, found: FoundBackup): Promise<BackupFacts> {
  let snapshots = 0;
  let storedBytes = 0;
  for await (const o of conn.storage.list("")) {
    storedBytes += o.size;
    if (o.name.startsWith(layout.SNAPSHOTS_PREFIX) && layout.parseSnapshotName(o.name)) snapshots++;
  }
  const lastBackupAt = passwordKeeps(found.config.protection) ? await vaultHeadTime(conn.vault) : undefined;
  return { snapshots, storedBytes, lastBackupAt };
}

/** The head's time, asked only when the vault holds a record (no 404 for "no key"). */
async function vaultHeadTime(vault: PasswordVault): Promise<number | undefined> {
  const s = await vault.status();
  if (s.state !== "enabled") return undefined;
  const head = await vault.getHead();
  return head.updatedAt ?? undefined;
}
