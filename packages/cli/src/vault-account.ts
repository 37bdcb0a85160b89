/**
 * Commands that act on the vault record alone (password change, disable) still accept
 * --repo: the backup's config names the vault, and this machine remembers the token file
 * per backup. Without --repo, --vault and --token-file say it all.
 */
import { Repository } from "@chatvault/sdk/core";
import { type RepoFlags, storageFor } from "./open-repository.ts";
import type { Output } from "./output.ts";
import { type VaultConnection, type VaultFlags, connectVault } from "./vault.ts";

export async function vaultForAccount(flags: RepoFlags & VaultFlags, out: Output): Promise<{ vault: VaultConnection; location?: string }> {
  const warn = (l: string) => out.note(l);
  if (!(flags.repo ?? process.env.CHATVAULT_REPO)) return { vault: await connectVault(flags, { warn }) };
  const { storage, location } = storageFor(flags);
  const { config } = await Repository.readConfig(storage);
  const vault = await connectVault(flags, { repoId: config.repoId, ...(config.vaultUrl ? { hintUrl: config.vaultUrl } : {}), warn });
  return { vault, location };
}
