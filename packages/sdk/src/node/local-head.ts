/**
 * Key-mode freshness record on this machine (spec §8.6): the authenticated head record
 * (repo/head.ts) in a small file, written atomically (temp + rename), mode 0600. A new
 * machine has no record until its first backup or restore.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { KeySchedule } from "@chatvault/format";
import { type HeadStore, authenticatedHeadStore } from "../repo/head.ts";

export function localHeadStore(path: string, keys: KeySchedule, repoId: string): HeadStore {
  return authenticatedHeadStore(
    keys,
    repoId,
    {
      async read() {
        try {
          return await readFile(path, "utf8");
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw e;
        }
      },
      async write(text) {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, path);
      },
    },
    `local record ${path}`,
  );
}
