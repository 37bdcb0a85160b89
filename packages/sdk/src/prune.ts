/**
 * `prune` (spec §8.10): forget snapshots outside the keep policy, then delete packs no
 * kept snapshot needs, in an order that never breaks a kept snapshot:
 *   1. write one new index covering every pack that stays;
 *   2. delete the old index objects;
 *   3. delete the forgotten snapshot manifests;
 *   4. delete packs that hold no chunk of a kept snapshot.
 * A crash between steps leaves extra objects (cleaned by the next prune), never a
 * kept snapshot without its data. Packs that are partly needed are kept whole (v1 does
 * not repack). Prune holds the repository's exclusive lock (spec §8.11) from before it
 * reads anything until its last delete, and checks the lease before each step that
 * deletes, so no backup, verify or restore runs under it. A fork (several snapshots with
 * one sequence, spec §8.6) is resolved here: snapshots off the latest's parent chain
 * that share a sequence with one on it are forgotten whatever the policy.
 */
import { ObjectKind, fromHex, platformRandom, sealStream, toHex } from "@chatvault/format";
import { encodeIndex, type IndexEntry } from "./repo/chunk-index.ts";
import type { HeadStore } from "./repo/head.ts";
import { type LockOptions, type RepositoryLock, withLock } from "./repo/lock.ts";
import type { SnapshotManifest } from "./repo/manifest.ts";
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

export interface PruneOptions {
  dryRun?: boolean;
  /** Who is pruning, and lease timing (spec §8.11). */
  lock?: LockOptions;
}

export async function prune(repo: Repository, heads: HeadStore, policy: KeepPolicy, opts: PruneOptions = {}): Promise<PruneResult> {
  // A dry run changes nothing: it only needs what a reader needs.
  const mode = opts.dryRun ? "shared" : "exclusive";
  return withLock(repo, mode, { operation: "prune", ...opts.lock }, (lock) => pruneLocked(repo, heads, policy, !!opts.dryRun, lock));
}

/** Sequences that appear more than once, minus the one snapshot of each on the latest's chain. */
function forksOffChain(refs: SnapshotRef[], manifests: Map<SnapshotRef, SnapshotManifest>, latest: SnapshotRef | undefined): Set<SnapshotRef> {
  const bySeq = new Map<number, SnapshotRef[]>();
  for (const r of refs) bySeq.set(r.sequence, [...(bySeq.get(r.sequence) ?? []), r]);
  const chain = new Set<string>();
  let at = latest && refs.find((r) => r.digest === latest.digest);
  while (at) {
    chain.add(at.digest);
    const parent = manifests.get(at)?.parent;
    at = parent ? bySeq.get(parent.sequence)?.find((r) => r.digest === parent.digest) : undefined;
  }
  const out = new Set<SnapshotRef>();
  for (const same of bySeq.values()) {
    if (same.length > 1 && same.some((r) => chain.has(r.digest))) for (const r of same) if (!chain.has(r.digest)) out.add(r);
  }
  return out;
}

async function pruneLocked(repo: Repository, heads: HeadStore, policy: KeepPolicy, dryRun: boolean, lock: RepositoryLock): Promise<PruneResult> {
  // Refuse to prune a repository that has been rolled back: we would delete the wrong things.
  const index = await repo.loadIndex();
  const latest = await repo.resolveSnapshot(heads, undefined, { index });
  const refs = await repo.listSnapshots();
  const manifests = new Map<SnapshotRef, SnapshotManifest>();
  // Headers only here (chain and times); the file lists of kept snapshots are read one at
  // a time below, so memory does not grow with the number of snapshots' listings.
  for (const r of refs) manifests.set(r, await repo.readSnapshot(r, { index, listing: false }));
  const forks = forksOffChain(refs, manifests, latest?.ref);
  const onChain = [...manifests.entries()].filter(([r]) => !forks.has(r));
  const keep = selectKept(
    onChain.map(([r, m]) => ({ sequence: r.sequence, time: m.time })),
    policy,
  );
  const needed = new Set<string>();
  for (const [r, header] of onChain) {
    if (!keep.has(r.sequence)) continue;
    const m = header.listing ? await repo.readSnapshot(r, { index }) : header;
    for (const id of m.database?.pages ?? []) needed.add(toHex(id));
    for (const f of m.media) for (const id of f.chunks) needed.add(toHex(id));
    for (const id of m.listing?.chunks ?? []) needed.add(toHex(id)); // spec §8.5.3
  }
  const packsNeeded = new Set<string>();
  for (const [id, loc] of index.entries()) if (needed.has(id)) packsNeeded.add(loc.pack);
  const present = await repo.listPacks();
  const doomed = [...present.keys()].filter((p) => !packsNeeded.has(p));
  const forgotten = refs.filter((r) => forks.has(r) || !keep.has(r.sequence));
  const result: PruneResult = {
    kept: [...keep].sort((a, b) => a - b),
    forgotten: forgotten.map((r) => r.sequence),
    packsDeleted: doomed.length,
    bytesFreed: doomed.reduce((n, p) => n + present.get(p)!, 0),
    dryRun,
  };
  if (dryRun || (forgotten.length === 0 && doomed.length === 0)) return result;

  const oldIndexes = await repo.listIndexNames();
  const entries: IndexEntry[] = [];
  for (const [id, loc] of index.entries()) if (packsNeeded.has(loc.pack)) entries.push({ id, ...loc });
  const name = indexName(platformRandom(16));
  await lock.assertHeld();
  await putOnce(
    repo.storage,
    name,
    await sealStream(repo.keys.backend, repo.keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.index, id: name }, encodeIndex(entries)),
  );
  await lock.assertHeld();
  for (const n of oldIndexes) await repo.storage.delete(n);
  for (const r of forgotten) await repo.storage.delete(r.name);
  await lock.assertHeld();
  for (const p of doomed) await repo.storage.delete(packName(fromHex(p)));
  return result;
}
