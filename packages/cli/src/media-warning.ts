/**
 * `backup` without `--media` after a snapshot that had media: the new snapshot holds the
 * database only, and restoring it brings no media back. Allowed (a database-only backup is
 * legitimate), but never silently.
 */
import type { Repository } from "@chatvault/sdk/core";
import { count } from "./local-time.ts";

export async function warnIfMediaDropped(repo: Repository, mediaGiven: boolean, warn: (line: string) => void): Promise<void> {
  if (mediaGiven) return;
  const refs = await repo.listSnapshots();
  const newest = refs[refs.length - 1];
  if (!newest) return;
  const m = await repo.readSnapshot(newest);
  if (m.media.length === 0) return;
  warn(
    `warning: no --media given: this snapshot will hold no media files, while snapshot ${newest.sequence} has ${count(m.media.length, "media file")}; ` +
      "restoring the new one brings none back (pass --media DIR to keep them)",
  );
}
