/** `chatvault snapshots`: list the snapshots in a backup, oldest first (needs the key or password). */
import type { Command } from "commander";
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
    out.result({ repo: location, snapshots: list }, [
      list.length === 0 ? "No snapshots yet." : "  #  id            time                      host                 files  size",
      ...list.map((s) => `${String(s.sequence).padStart(3)}  ${s.id}  ${s.time.padEnd(24)}  ${s.host.slice(0, 20).padEnd(20)} ${String(s.mediaFiles).padStart(5)}  ${formatBytes(s.bytes)}`),
    ]);
  });
}
