/**
 * "Last verified restorable" (spec §12): what `chatvault check` proved on this machine,
 * kept per repository in this machine's chatvault folder (`checks/<repoId>.json`) for
 * `status` to show. Nothing secret: a time, a snapshot number and its digest. A record
 * that does not parse is treated as absent (status then says "never").
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configDir } from "./local-config.ts";

export interface LastCheck {
  /** ISO 8601: when the check passed. */
  checkedAt: string;
  sequence: number;
  digest: string;
}

function path(repoId: string): string {
  return join(configDir(), "checks", `${repoId}.json`);
}

export async function readLastCheck(repoId: string): Promise<LastCheck | undefined> {
  try {
    const j = JSON.parse(await readFile(path(repoId), "utf8")) as Record<string, unknown>;
    if (typeof j.checkedAt !== "string" || typeof j.sequence !== "number" || typeof j.digest !== "string") return undefined;
    return { checkedAt: j.checkedAt, sequence: j.sequence, digest: j.digest };
  } catch {
    return undefined;
  }
}

export async function writeLastCheck(repoId: string, c: LastCheck): Promise<void> {
  const p = path(repoId);
  await mkdir(join(configDir(), "checks"), { recursive: true, mode: 0o700 });
  const tmp = `${p}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, p);
}
