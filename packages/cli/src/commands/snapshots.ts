/** `chatvault snapshots`: list the snapshots in a backup, oldest first (needs the key or password). */
import type { Command } from "commander";
import { count, localTime } from "../local-time.ts";
import { type RepoFlags, type SecretFlags, unlockRepository } from "../open-repository.ts";
import { outputOf, withRepoOptions, withSecretOptions } from "../options.ts";
import { formatBytes } from "../output.ts";

export function registerSnapshots(program: Command): void {
  const cmd = program.command("snapshots").description("list the snapshots in the backup");
  withRepoOptions(cmd);
  withSecretOptions(cmd);
  cmd.action(async (flags: RepoFlags & SecretFlags, command: Command) => {
    const out = outputOf(command);
    const { repo, location } = await unlockRepository(flags, out);
    const list = [];
    for (const ref of await repo.listSnapshots()) {
      const m = await repo.readSnapshot(ref);
      const bytes = (m.database ? m.database.pageSize * m.database.pageCount : 0) + m.media.reduce((n, f) => n + f.size, 0);
      list.push({ id: ref.digest.slice(0, 12), sequence: ref.sequence, digest: ref.digest, time: m.time, host: m.host, mediaFiles: m.media.length, bytes });
    }
    out.result(
      { repo: location, snapshots: list },
      list.length === 0
        ? ["No snapshots yet."]
        : [
            "  #  id            time (local)         host                 files  size",
            ...list.map(
              (s) =>
                `${String(s.sequence).padStart(3)}  ${s.id}  ${localTime(s.time).padEnd(19)}  ${s.host.slice(0, 20).padEnd(20)} ${String(s.mediaFiles).padStart(5)}  ${formatBytes(s.bytes)}`,
            ),
            footer(list),
          ],
    );
  });
}

/** "3 snapshots, 2026-11-28 09:12:03 … 2026-12-01 10:03:12; the newest holds 41 media files, 12.3 MiB". */
function footer(list: { time: string; mediaFiles: number; bytes: number }[]): string {
  const first = list[0]!;
  const last = list[list.length - 1]!;
  const span = list.length === 1 ? localTime(first.time) : `${localTime(first.time)} … ${localTime(last.time)}`;
  return `${count(list.length, "snapshot")}, ${span}; the newest holds ${count(last.mediaFiles, "media file")}, ${formatBytes(last.bytes)}`;
}
