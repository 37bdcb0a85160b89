/**
 * `chatvault restore`: on a new machine, with nothing but the backup location and the
 * password or key, put the chat database and media back under --to. The engine writes to
 * a staging folder, authenticates everything, then moves it into place: a corrupted or
 * tampered backup writes nothing.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { restore } from "@chatvault/sdk/node";
import { UsageError } from "../cli-error.ts";
import { interruptible } from "../interrupt.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";
import { progressBar } from "../progress.ts";

interface RestoreFlags extends RepoFlags, SecretFlags {
  to?: string;
  snapshot?: string;
  overwrite?: boolean;
}

export function registerRestore(program: Command): void {
  const cmd = program.command("restore").description("restore the chat database and media into a folder");
  withRepoOptions(cmd);
  cmd
    .option("--to <dir>", "destination folder: the database lands in it, media under <dir>/media")
    .option("--snapshot <id>", "snapshot to restore: latest (default), a number, or a digest prefix")
    .option("--overwrite", "replace a database or media folder already at the destination");
  withSecretOptions(cmd);
  cmd.action(async (flags: RestoreFlags, command: Command) => {
    const out = outputOf(command);
    if (!flags.to) throw new UsageError("where to? pass --to DIR");
    const to = resolve(flags.to);
    const { repo, heads, location, mode } = await unlockRepository(flags, out);
    const bar = progressBar(out, "restore");
    const r = await interruptible(out, (signal) =>
      restore({ repo, heads, to, signal, onProgress: bar.onProgress, ...(flags.snapshot ? { snapshot: flags.snapshot } : {}), overwrite: !!flags.overwrite }),
    ).finally(() => bar.stop());
    // Key mode: a new machine starts its freshness record at what it just restored (spec §8.6).
    if (mode === "key" && (!flags.snapshot || flags.snapshot === "latest")) {
      const cur = await heads.get();
      if (!cur || cur.sequence < r.snapshot.sequence) await heads.advance({ sequence: r.snapshot.sequence, digest: r.snapshot.digest });
    }
    out.result(
      { repo: location, to, snapshot: { id: r.snapshot.digest.slice(0, 12), ...r.snapshot }, database: r.database, mediaFiles: r.mediaFiles, bytes: r.bytes },
      [
        `Restored snapshot ${r.snapshot.sequence} (${r.snapshot.digest.slice(0, 12)}) from ${r.snapshot.time}.`,
        `  ${r.database ? `database ${r.database}, ` : ""}${r.mediaFiles} media file${r.mediaFiles === 1 ? "" : "s"}, ${formatBytes(r.bytes)} into ${to}`,
      ],
    );
  });
}
