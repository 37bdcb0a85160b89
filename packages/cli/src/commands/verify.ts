/**
 * `chatvault verify`: read the backup back and authenticate it — the newest snapshot
 * against this machine's (or the vault's) freshness head, every snapshot and the sizes
 * of its files, and every pack (or a random --sample of them). Exits 6 (integrity) when
 * anything is wrong, naming each object that failed.
 */
import type { Command } from "commander";
import { verify } from "@chatvault/sdk/verify";
import { nodeLockHolder, nodeCompressor } from "@chatvault/sdk/node/core";
import { CliError } from "../cli-error.ts";
import { EXIT } from "../exit-codes.ts";
import { count } from "../local-time.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { nonNegativeNumber, outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { progressBar } from "../progress.ts";

export function registerVerify(program: Command): void {
  const cmd = program.command("verify").description("download and authenticate the backup's data");
  withRepoOptions(cmd);
  cmd.option("--sample <fraction>", "read only this fraction of the packs in full, 0..1 (default 1: all)", nonNegativeNumber("--sample"));
  withSecretOptions(cmd);
  cmd.action(async (flags: RepoFlags & SecretFlags & { sample?: number }, command: Command) => {
    const out = outputOf(command);
    const { repo, heads, location } = await unlockRepository(flags, out);
    const bar = progressBar(out, "verify");
    const report = await verify({
      repo,
      heads,
      compressor: nodeCompressor,
      onProgress: bar.onProgress,
      lock: nodeLockHolder("verify"),
      ...(flags.sample !== undefined ? { sample: Math.min(1, flags.sample) } : {}),
    }).finally(() => bar.stop());
    for (const w of report.warnings) out.note(`warning: ${w.object}: ${w.problem}`);
    const summary = `${count(report.snapshots, "snapshot")}, ${report.packsChecked} of ${report.packsTotal} packs, ${report.chunksChecked} chunks checked`;
    if (report.problems.length > 0) {
      for (const p of report.problems) out.note(`problem: ${p.object}: ${p.problem}`);
      const first = report.problems[0]!;
      throw new CliError(
        EXIT.integrity,
        "integrity",
        `verify found ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} (${summary}); first: ${first.object}: ${first.problem}`,
        {
          details: { repo: location, ok: false, ...report },
        },
      );
    }
    out.result({ repo: location, ok: true, ...report }, [`OK: ${summary}, no problems.`]);
  });
}
