/**
 * A backup or restore in its own process, for tests that kill it or run it as another
 * user. One argument, JSON: { op, repoDir, keyHex, headsFile, db?, media?, tmpDir?, to?,
 * stopAtPhase? }. With `stopAtPhase`, the process prints "stopped" and stops itself
 * (SIGSTOP) when the progress enters that phase — an observable moment for the parent to
 * SIGKILL it. Prints the result as one JSON line, or {"error": …} and exits 1.
 */
import { RootKey, fromHex } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { Repository } from "../src/index.ts";
import { backup, localHeadStore, restore } from "../src/node/index.ts";
import type { ProgressEvent } from "../src/progress.ts";

interface Args {
  op: "backup" | "restore";
  repoDir: string;
  keyHex: string;
  headsFile: string;
  db?: string;
  media?: string;
  tmpDir?: string;
  to?: string;
  stopAtPhase?: string;
}

const a = JSON.parse(process.argv[2]!) as Args;
const repo = await Repository.open(new FsStorage(a.repoDir), new RootKey(fromHex(a.keyHex)));
const heads = localHeadStore(a.headsFile, repo.keys, repo.repoId);
const onProgress = (e: ProgressEvent) => {
  if (a.stopAtPhase && e.phase === a.stopAtPhase) {
    process.stdout.write("stopped\n");
    process.kill(process.pid, "SIGSTOP");
  }
};
try {
  const r =
    a.op === "backup"
      ? await backup({
          repo,
          heads,
          onProgress,
          workers: 0,
          ...(a.db ? { db: a.db } : {}),
          ...(a.media ? { media: a.media } : {}),
          ...(a.tmpDir ? { tmpDir: a.tmpDir } : {}),
        })
      : await restore({ repo, heads, onProgress, to: a.to! });
  process.stdout.write(JSON.stringify(r) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({ error: { name: (e as Error).name, code: (e as { code?: unknown }).code, message: (e as Error).message } }) + "\n");
  process.exitCode = 1;
}
