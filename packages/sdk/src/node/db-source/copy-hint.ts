/**
 * Whether to start the database copy before the repository is read (docs/performance.md,
 * "Day-after backups, round 5"). Only the parent snapshot's fingerprint (spec §8.5.2) can
 * say the database is unchanged, and it is known only once the index and the parent's
 * listing are read (~0.1–0.15 s on the bench corpus). A day-after backup does not need
 * to wait for that to start its copy; a no-change backup must not make one. This thread
 * therefore remembers, per repository and database, the fingerprint its last backup
 * stored: a database whose fingerprint differs from it is copied at once, on its own
 * thread, beside the repository reading. The note is a schedule, never a decision: the
 * backup still compares with the parent, and a copy it did not need is stopped and
 * removed (a wrong note costs time, nothing else).
 *
 * The note lives in the private temp folder (`chatvault-<uid>`, 0700; the file 0600) and
 * holds the fingerprint only: a digest of the file's stat facts and header counters,
 * nothing of its content (SECURITY.md).
 */
import { createHash } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The note's file for this repository and database, in `root`. */
function notePath(root: string, repoId: string, dbPath: string): string {
  const key = createHash("sha256")
    .update(`chatvault copy note\n${repoId}\n${resolve(dbPath)}`)
    .digest("hex")
    .slice(0, 32);
  return join(root, `db-${key}.fingerprint`);
}

/** The fingerprint this repository's last backup on this machine stored for `dbPath`, if noted. */
export async function readCopyHint(root: string, repoId: string, dbPath: string): Promise<string | undefined> {
  try {
    const text = await readFile(notePath(root, repoId, dbPath), "utf8");
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined; // no note (first backup here, a cleaned temp folder): copy at once
  }
}

/**
 * Note the fingerprint a backup just committed (undefined: none, the note goes). Best
 * effort: a note that cannot be written only makes the next backup start its copy early.
 */
export async function writeCopyHint(root: string, repoId: string, dbPath: string, fingerprint: string | undefined): Promise<void> {
  const path = notePath(root, repoId, dbPath);
  try {
    if (fingerprint === undefined) {
      await rm(path, { force: true });
      return;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, fingerprint, { mode: 0o600 });
    await rename(tmp, path);
  } catch {
    // Best effort (see above).
  }
}
