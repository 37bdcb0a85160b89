/**
 * `chatvault backup`: snapshot the live chat database and the media folder into the
 * backup (only what changed is uploaded), with a progress bar on a terminal and a
 * summary at the end. Ctrl-C stops cleanly; the previous snapshot stays restorable.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { SkippedFile } from "@chatvault/sdk/node/backup";
import { backup } from "@chatvault/sdk/node/backup";
import { freeCopiedPiecesAtOnce } from "@chatvault/sdk/node/young-generation";
import { UsageError } from "../cli-error.ts";
import { interruptible } from "../interrupt.ts";
import { warnIfMediaDropped } from "../media-warning.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";
import { progressBar } from "../progress.ts";
import { describeAge, parseAge, recentSnapshot } from "../recent-backup.ts";
import { collectExclude } from "../exclude-option.ts";

const SKIP_WORDS: Record<SkippedFile["reason"], string> = {
  unreadable: "cannot be read",
  vanished: "deleted while the backup ran",
  symlink: "a symbolic link (links are not followed)",
  not_a_file: "not a regular file",
};

interface BackupFlags extends RepoFlags, SecretFlags {
  db?: string;
  media?: string;
  exclude?: string[];
  ifOlderThan?: number;
}

export function registerBackup(program: Command): void {
  const cmd = program.command("backup").description("back up the chat database and media folder (only changes are uploaded)");
  withRepoOptions(cmd);
  cmd
    .option("--db <path>", "the chat database (SQLite), copied safely while the app may be writing")
    .option("--media <dir>", "the media folder")
    .option("--exclude <glob>", "leave out media paths matching this pattern (repeatable; see docs/cli.md)", collectExclude)
    .option("--if-older-than <age>", "do nothing (exit 0) if the newest snapshot is younger than this: 90s, 30m, 24h, 7d, 2w", parseAge);
  withSecretOptions(cmd);
  cmd.action(async (flags: BackupFlags, command: Command) => {
    const out = outputOf(command);
    if (!flags.db && !flags.media) throw new UsageError("nothing to back up: pass --db PATH, --media DIR, or both");
    const { repo, heads, location } = await unlockRepository(flags, out);
    if (flags.ifOlderThan !== undefined) {
      const recent = await recentSnapshot(repo, heads, flags.ifOlderThan);
      if (recent) {
        return out.result(
          { repo: location, backedUp: false, reason: "recent", newest: { sequence: recent.sequence, id: recent.digest.slice(0, 12), time: recent.time } },
          [`Nothing to do: the newest snapshot (${recent.sequence}) is ${describeAge(recent.ageMs)} old, less than --if-older-than.`],
        );
      }
    }
    await warnIfMediaDropped(repo, !!flags.media, (l) => out.note(l));
    // Sealed chunks' buffers freed as they are copied into packs (young-generation.ts in the SDK).
    freeCopiedPiecesAtOnce();
    const bar = progressBar(out, "backup");
    const r = await interruptible(out, (signal) =>
      backup({
        repo,
        heads,
        signal,
        onProgress: bar.onProgress,
        ...(flags.db ? { db: resolve(flags.db) } : {}),
        ...(flags.media ? { media: resolve(flags.media) } : {}),
        ...(flags.exclude ? { exclude: flags.exclude } : {}),
      }),
    ).finally(() => bar.stop());
    const s = r.stats;
    // One warning per file the backup did not take (docs/cli.md, "Files a backup skips").
    for (const p of r.skipped) out.note(`warning: skipped ${p.path}: ${SKIP_WORDS[p.reason]}${p.detail && p.reason !== "vanished" ? ` (${p.detail})` : ""}`);
    for (const p of r.changedWhileReading) out.note(`warning: ${p} changed while it was read: backed up as read; the next backup takes it again`);
    const n = r.skipped.length;
    out.result(
      {
        repo: location,
        snapshot: { id: r.snapshot.digest.slice(0, 12), sequence: r.snapshot.sequence, digest: r.snapshot.digest },
        stats: s,
        bytesUploaded: r.bytesUploaded,
        packsUploaded: r.packsUploaded,
        skipped: r.skipped,
        skippedCount: n,
        changedWhileReading: r.changedWhileReading,
      },
      [
        `Backed up snapshot ${r.snapshot.sequence} (${r.snapshot.digest.slice(0, 12)}).`,
        `  media files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnchanged} unchanged${n > 0 ? `, ${n} skipped (see the warnings)` : ""}`,
        `  read ${formatBytes(s.bytesRead)}, uploaded ${formatBytes(r.bytesUploaded)} in ${r.packsUploaded} pack${r.packsUploaded === 1 ? "" : "s"}`,
      ],
    );
  });
}
