/**
 * `prune` (spec §8.10): forget snapshots outside the keep policy, then delete packs no
 * kept snapshot needs, in an order that never breaks a kept snapshot:
 *   1. write one new index covering every pack that stays;
 *   2. delete the old index objects;
 *   3. delete the forgotten snapshot manifests;
 *   4. delete packs that hold no chunk of a kept snapshot.
 * A crash between steps leaves extra objects (cleaned by the next prune), never a
 * kept snapshot without its data. Packs that are partly needed are kept whole (v1 does
 * not repack). Do not run prune while a backup is running on the same repository.
 */
import { ObjectKind, fromHex, platformRandom, sealStream, toHex } from "@chatvault/format";
import { encodeIndex, type IndexEntry } from "./repo/chunk-index.ts";
import type { HeadStore } from "./repo/head.ts";
import { indexName, packName } from "./repo/layout.ts";
import { putOnce } from "./repo/put.ts";
import type { Repository, SnapshotRef } from "./repo/repository.ts";

export interface KeepPolicy {
  /** Keep the newest N snapshots. */
  last?: number;
  /** Keep the newest snapshot of each of the last N days that have one. */
  daily?: number;
  /** Keep the newest snapshot of each of the last N ISO weeks that have one. */
  weekly?: number;
}

export interface PruneResult {
  kept: number[];
  forgotten: number[];
  packsDeleted: number;
  bytesFreed: number;
  dryRun: boolean;
}

/** Pick the snapshots to keep. The newest is always kept. Pure: exported for tests. */
export function selectKept(snaps: { sequence: number; time: string }[], policy: KeepPolicy): Set<number> {
  const newestFirst = [...snaps].sort((a, b) => b.sequence - a.sequence);
  const keep = new Set<number>();
  if (newestFirst[0]) keep.add(newestFirst[0].sequence);
  newestFirst.slice(0, policy.last ?? 0).forEach((s) => keep.add(s.sequence));
  const bucket = (n: number | undefined, key: (d: Date) => string) => {
    if (!n) return;
    const seen = new Set<string>();
    for (const s of newestFirst) {
      const k = key(new Date(s.time));
      if (seen.has(k)) continue;
      if (seen.size >= n) break;
      seen.add(k);
      keep.add(s.sequence);
    }
  };
  bucket(policy.daily, (d) => d.toISOString().slice(0, 10));
  bucket(policy.weekly, isoWeek);
  return keep;
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7)}`;
}

export async function prune(repo: Repository, heads: HeadStore, policy: KeepPolicy, opts: { dryRun?: boolean } = {}): Promise<PruneResult> {
  // Refuse to prune a repository that has been rolled back: we would delete the wrong things.
  await repo.resolveSnapshot(heads);
  const refs = await repo.listSnapshots();
  const manifests = new Map<SnapshotRef, Awaited<ReturnType<Repository["readSnapshot"]>>>();
  for (const r of refs) manifests.set(r, await repo.readSnapshot(r));
  const keep = selectKept([...manifests.entries()].map(([r, m]) => ({ sequence: r.sequence, time: m.time })), policy);
  const needed = new Set<string>();
  for (const [r, m] of manifests) {
    if (!keep.has(r.sequence)) continue;
    for (const id of m.database?.pages ?? []) needed.add(toHex(id));
    for (const f of m.media) for (const id of f.chunks) needed.add(toHex(id));
  }
  const index = await repo.loadIndex();
  const packsNeeded = new Set<string>();
  for (const [id, loc] of index.entries()) if (needed.has(id)) packsNeeded.add(loc.pack);
  const present = await repo.listPacks();
  const doomed = [...present.keys()].filter((p) => !packsNeeded.has(p));
  const forgotten = refs.filter((r) => !keep.has(r.sequence));
  const result: PruneResult = {
    kept: [...keep].sort((a, b) => a - b),
    forgotten: forgotten.map((r) => r.sequence),
    packsDeleted: doomed.length,
    bytesFreed: doomed.reduce((n, p) => n + present.get(p)!, 0),
    dryRun: !!opts.dryRun,
  };
  if (opts.dryRun || (forgotten.length === 0 && doomed.length === 0)) return result;

  const oldIndexes = await repo.listIndexNames();
  const entries: IndexEntry[] = [];
  for (const [id, loc] of index.entries()) if (packsNeeded.has(loc.pack)) entries.push({ id, ...loc });
  const name = indexName(platformRandom(16));
  await putOnce(repo.storage, name, await sealStream(repo.keys.backend, repo.keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.index, id: name }, encodeIndex(entries)));
  for (const n of oldIndexes) await repo.storage.delete(n);
  for (const r of forgotten) await repo.storage.delete(r.name);
  for (const p of doomed) await repo.storage.delete(packName(fromHex(p)));
  return result;
}
