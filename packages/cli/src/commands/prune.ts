/**
 * `chatvault prune`: forget snapshots outside the keep policy and delete data only they
 * used. The newest snapshot is always kept. --dry-run shows what would go.
 */
import type { Command } from "commander";
import { prune } from "@chatvault/sdk/prune";
import { nodeLockHolder } from "@chatvault/sdk/node/core";
import { UsageError } from "../cli-error.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, positiveInt, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";

interface PruneFlags extends RepoFlags, SecretFlags {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  dryRun?: boolean;
}

export function registerPrune(program: Command): void {
  const cmd = program.command("prune").description("delete old snapshots and the data only they use");
  withRepoOptions(cmd);
  cmd
    .option("--keep-last <n>", "keep the newest n snapshots", positiveInt("--keep-last"))
    .option("--keep-daily <n>", "keep the newest snapshot of each of the last n days", positiveInt("--keep-daily"))
    .option("--keep-weekly <n>", "keep the newest snapshot of each of the last n weeks", positiveInt("--keep-weekly"))
    .option("--dry-run", "only show what would be deleted");
  withSecretOptions(cmd);
  cmd.action(async (flags: PruneFlags, command: Command) => {
    const out = outputOf(command);
    if (!flags.keepLast && !flags.keepDaily && !flags.keepWeekly) {
      throw new UsageError("say what to keep: --keep-last N, --keep-daily N and/or --keep-weekly N");
    }
    const { repo, heads, location } = await unlockRepository(flags, out);
    const r = await prune(
      repo,
      heads,
      {
        ...(flags.keepLast ? { last: flags.keepLast } : {}),
        ...(flags.keepDaily ? { daily: flags.keepDaily } : {}),
        ...(flags.keepWeekly ? { weekly: flags.keepWeekly } : {}),
      },
      { dryRun: !!flags.dryRun, lock: nodeLockHolder("prune") },
    );
    const verb = r.dryRun ? "would forget" : "forgot";
    out.result({ repo: location, ...r }, [
      `${r.dryRun ? "Dry run: " : ""}kept snapshots ${r.kept.join(", ") || "none"}; ${verb} ${r.forgotten.length ? r.forgotten.join(", ") : "none"}.`,
      `  ${r.dryRun ? "would delete" : "deleted"} ${r.packsDeleted} pack${r.packsDeleted === 1 ? "" : "s"}, ${formatBytes(r.bytesFreed)} freed`,
    ]);
  });
}
