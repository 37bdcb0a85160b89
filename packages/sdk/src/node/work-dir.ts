/**
 * Working folders that hold plaintext for a moment — the backup's copy of the chat
 * database, a restore's staging folder — named so that the next run finds and removes
 * what a killed run left behind (SECURITY.md, "Plaintext on this machine").
 *
 * Each run's folder is `<prefix><pid>-<random>`, mode 0700. A sweep removes the folders
 * of that prefix whose process is gone. Folders of an older chatvault (no pid in the
 * name) are removed once they are an hour old (a run that old is not still going).
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LEGACY_AGE_MS = 60 * 60 * 1000;

/**
 * The private folder where backups copy the database: `$TMPDIR/chatvault-<uid>`, 0700,
 * owned by this user (a folder someone else made there is refused, not used).
 */
export async function privateTempRoot(base: string = tmpdir()): Promise<string> {
  const uid = process.getuid?.() ?? "user";
  const root = join(base, `chatvault-${uid}`);
  await mkdir(root, { mode: 0o700 }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  });
  const st = await lstat(root);
  const ours = !process.getuid || st.uid === process.getuid();
  // Ours but opened up (a umask, a user's chmod): close it again before using it.
  if (st.isDirectory() && ours && (st.mode & 0o077) !== 0) await chmod(root, 0o700);
  else if (!st.isDirectory() || !ours) {
    const e = new Error(`${root} is not a folder of this user`) as NodeJS.ErrnoException;
    e.code = "EACCES";
    throw e;
  }
  return root;
}

/** A new run folder `<parent>/<prefix><pid>-XXXXXX` (mode 0700), after sweeping dead runs' folders. */
export async function makeRunDir(parent: string, prefix: string): Promise<string> {
  await sweepDeadRuns(parent, prefix);
  return mkdtemp(join(parent, `${prefix}${process.pid}-`));
}

/** Remove `<prefix><pid>-*` folders whose process is gone, and legacy `<prefix>XXXXXX` ones over an hour old. Returns how many. */
export async function sweepDeadRuns(parent: string, prefix: string, now: number = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const withPid = /^(\d+)-[A-Za-z0-9]{6}$/.exec(rest);
    let stale: boolean;
    if (withPid) stale = !alive(Number(withPid[1]));
    else if (/^[A-Za-z0-9]{6}$/.test(rest)) stale = now - ((await lstat(join(parent, name)).catch(() => undefined))?.mtimeMs ?? now) > LEGACY_AGE_MS;
    else continue;
    if (!stale) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => {});
    removed++;
  }
  return removed;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists and belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
