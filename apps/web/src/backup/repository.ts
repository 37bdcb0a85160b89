/**
 * The account's backup in storage: find it (its config is readable without a key), open
 * it with a root key and the matching freshness head, or delete it.
 */
import { passwordKeeps } from "./connections.ts";
import type { RootKey } from "@chatvault/format";
import { type HeadStore, Repository, RepositoryNotFoundError, deleteRepository, layout, vaultHeadStore } from "@chatvault/sdk";
import type { Storage } from "@chatvault/storage";
import type { Connections } from "./connections.ts";
import { keyHeadStore } from "./heads.ts";

export type FoundBackup = Awaited<ReturnType<typeof Repository.readConfig>>;

/** The backup's plaintext config (protection mode, creation time), or undefined if there is none. */
export async function findBackup(storage: Storage): Promise<FoundBackup | undefined> {
  // Ask by listing first: "no backup yet" is the normal case on a new account, not an
  // error (a 404 would also show as a failed request in the browser's console).
  let present = false;
  for await (const o of storage.list(layout.CONFIG_NAME)) present ||= o.name === layout.CONFIG_NAME;
  if (!present) return undefined;
  try {
    return await Repository.readConfig(storage);
  } catch (e) {
    if (e instanceof RepositoryNotFoundError) return undefined;
    throw e;
  }
}

/** Open with the root key (WrongKeyError if it is not this backup's) and pick its head. */
export async function openBackup(conn: Connections, rootKey: RootKey, found?: FoundBackup): Promise<{ repo: Repository; heads: HeadStore }> {
  const repo = await Repository.open(conn.storage, rootKey, found);
  const heads = passwordKeeps(repo.config.protection) ? vaultHeadStore(conn.vault, rootKey) : keyHeadStore(repo.keys, repo.repoId);
  return { repo, heads };
}

/** Delete every object of the backup, in the SDK's order (snapshots first, the config last: `layout.DELETION_ORDER`). */
export async function deleteBackup(storage: Storage): Promise<void> {
  await deleteRepository(storage);
}
