/**
 * `chatvault restore`: on a new machine, with nothing but the backup location and the
 * password or key, put the chat database and media back under --to. The engine writes to
 * a staging folder, authenticates everything, then moves it into place: a corrupted or
 * tampered backup writes nothing.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { restore } from "@chatvault/sdk/node/restore";
import { freeCopiedPiecesAtOnce } from "@chatvault/sdk/node/young-generation";
import { CliError, UsageError } from "../cli-error.ts";
import { EXIT } from "../exit-codes.ts";
import { interruptible } from "../interrupt.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";
import { progressBar } from "../progress.ts";
import { realmsAnswered } from "../realms.ts";

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
    const { repo, heads, location, realms } = await unlockRepository(flags, out);
    const bar = progressBar(out, "restore");
    // node:crypto's pieces freed as they are copied into a restore worker's slot (young-generation.ts in the SDK).
    freeCopiedPiecesAtOnce();
    // In key mode the engine also starts this machine's freshness record at what it restored (spec §8.6).
    const r = await interruptible(out, (signal) =>
      restore({ repo, heads, to, signal, onProgress: bar.onProgress, ...(flags.snapshot ? { snapshot: flags.snapshot } : {}), overwrite: !!flags.overwrite }),
    ).finally(() => bar.stop());
    const result = {
      ...(realms ? { realms: realmsAnswered(realms) } : {}),
      repo: location,
      to,
      snapshot: { id: r.snapshot.digest.slice(0, 12), ...r.snapshot },
      database: r.database,
      mediaFiles: r.mediaFiles,
      bytes: r.bytes,
    };
    const human = [
      `Restored snapshot ${r.snapshot.sequence} (${r.snapshot.digest.slice(0, 12)}) from ${r.snapshot.time}.`,
      `  ${r.database ? `database ${r.database}, ` : ""}${r.mediaFiles} media file${r.mediaFiles === 1 ? "" : "s"}, ${formatBytes(r.bytes)} into ${to}`,
    ];
    if (r.damaged.length > 0) {
      // Everything else is in place; the damaged files are named, and the exit says it failed.
      for (const l of human) out.line(l);
      for (const d of r.damaged) out.note(`warning: not restored: media/${d.path}: ${d.detail}`);
      const n = r.damaged.length;
      throw new CliError(
        EXIT.integrity,
        "partial_restore",
        `${n} media file${n === 1 ? "" : "s"} could not be restored (${n === 1 ? "its data does" : "their data do"} not match the backup's record); ` +
          `the database and the other files are in place; \`chatvault verify\` checks the whole backup`,
        { details: { reason: "corruption", damaged: r.damaged, restored: result } },
      );
    }
    out.result(result, human);
  });
}
