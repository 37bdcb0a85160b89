/**
 * `chatvault check`: prove that a snapshot restores (spec §12). Downloads, authenticates
 * and decrypts the snapshot completely, rebuilds the database in a private scratch folder
 * (0700, in the temp dir, removed afterwards even on failure or Ctrl-C), runs SQLite's
 * integrity check, and writes nothing to the user's folders. On success this machine
 * records "last verified restorable" for `chatvault status`. Exit 6 when the backup is not
 * restorable, naming the failing object (as restore does).
 */
import type { Command } from "commander";
import { checkRestorable } from "@chatvault/sdk/node/check";
import { interruptible } from "../interrupt.ts";
import { writeLastCheck } from "../last-check.ts";
import { localTime } from "../local-time.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";
import { progressBar } from "../progress.ts";

interface CheckFlags extends RepoFlags, SecretFlags {
  snapshot?: string;
  scratchDir?: string;
}

export function registerCheck(program: Command): void {
  const cmd = program.command("check").description("prove the backup restores: a full restore into a scratch folder, checked, then removed");
  withRepoOptions(cmd);
  cmd
    .option("--snapshot <id>", "latest (default), a snapshot number, or a digest prefix")
    .option("--scratch-dir <dir>", "where the scratch folder is made (default: the temp dir, $TMPDIR); it needs room for the whole snapshot");
  withSecretOptions(cmd);
  cmd.action(async (flags: CheckFlags, command: Command) => {
    const out = outputOf(command);
    const { repo, heads, location } = await unlockRepository(flags, out);
    const bar = progressBar(out, "check");
    const r = await interruptible(out, (signal) =>
      checkRestorable({
        repo,
        heads,
        signal,
        onProgress: bar.onProgress,
        ...(flags.snapshot ? { snapshot: flags.snapshot } : {}),
        ...(flags.scratchDir ? { scratchParent: flags.scratchDir } : {}),
      }),
    ).finally(() => bar.stop());
    await writeLastCheck(repo.repoId, { checkedAt: r.checkedAt, sequence: r.snapshot.sequence, digest: r.snapshot.digest });
    out.result(
      {
        repo: location,
        ok: true,
        snapshot: { ...r.snapshot, id: r.snapshot.digest.slice(0, 12) },
        checkedAt: r.checkedAt,
        database: r.database,
        mediaFiles: r.mediaFiles,
        bytes: r.bytes,
      },
      [
        `OK: snapshot ${r.snapshot.sequence} (${r.snapshot.digest.slice(0, 12)}) of ${localTime(r.snapshot.time)} is restorable.`,
        `  ${r.database ? "database rebuilt and passed PRAGMA integrity_check, " : ""}${r.mediaFiles} media file${r.mediaFiles === 1 ? "" : "s"}, ${formatBytes(r.bytes)} downloaded, authenticated and decrypted; nothing kept.`,
        `  Recorded on this machine: last verified restorable ${localTime(r.checkedAt)} (see chatvault status).`,
      ],
    );
  });
}
