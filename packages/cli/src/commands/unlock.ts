/**
 * `chatvault unlock`: remove repository locks left behind (spec §8.11). By default only
 * locks that no longer count — lease run out, or held by a process on this machine that
 * is gone. `--all` removes live locks too: only when their holders are certainly gone
 * (another machine that crashed less than a lease ago), or two backups may fork history.
 */
import type { Command } from "commander";
import { breakLocks } from "@chatvault/sdk/core";
import { nodeLockHolder } from "@chatvault/sdk/node/core";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";

export function registerUnlock(program: Command): void {
  const cmd = program.command("unlock").description("remove stale repository locks left by crashed chatvault processes");
  withRepoOptions(cmd);
  cmd.option("--all", "also remove locks that still look live (only if their holders are gone)");
  withSecretOptions(cmd);
  cmd.action(async (flags: RepoFlags & SecretFlags & { all?: boolean }, command: Command) => {
    const out = outputOf(command);
    const { repo, location } = await unlockRepository(flags, out);
    const { isHolderAlive } = nodeLockHolder("unlock");
    const removed = await breakLocks(repo, { all: !!flags.all, ...(isHolderAlive ? { isHolderAlive } : {}) });
    const lines = removed.map((b) =>
      b.holder
        ? `  removed ${b.live ? "live " : ""}lock of ${b.holder.operation} on ${b.holder.host} (pid ${b.holder.pid}) since ${b.holder.since}`
        : `  removed unreadable lock object ${b.name}`,
    );
    out.result({ repo: location, removed: removed.map((b) => ({ object: b.name, live: b.live, ...(b.holder ? { holder: b.holder } : {}) })) }, [
      removed.length === 0 ? "No stale locks." : `Removed ${removed.length} lock${removed.length === 1 ? "" : "s"}.`,
      ...lines,
    ]);
  });
}
