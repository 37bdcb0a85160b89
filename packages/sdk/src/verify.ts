/**
 * `verify` (spec §8.9): read back and authenticate the repository. It checks what
 * restore checks: the newest snapshot against the freshness head (a rolled-back or
 * emptied repository, or a tampered head record, is a problem). Every snapshot manifest
 * is opened, every chunk it names must be indexed in a pack storage still holds, and
 * every file's chunks must add up to its recorded size; then every pack (or a random
 * sample) is downloaded whole, its name checked against its SHA-256, its header opened,
 * and every chunk in it opened and checked against its keyed ID. Verify holds a shared
 * lock (spec §8.11), so a prune cannot delete packs under it.
 */
import { fromHex, toHex } from "@chatvault/format";
import { isRetryable } from "@chatvault/storage";
import type { Compressor } from "./backup/compressor.ts";
import type { ChunkIndex } from "./repo/chunk-index.ts";
import type { HeadStore } from "./repo/head.ts";
import { type LockOptions, withReaderLock } from "./repo/lock.ts";
import type { SnapshotManifest } from "./repo/manifest.ts";
import { type ProgressListener, ProgressTracker } from "./progress.ts";
import type { ChunkLocation } from "./repo/chunk-index.ts";
import { openChunk } from "./repo/chunk-reader.ts";
import { packName } from "./repo/layout.ts";
import { packHeaderOf } from "./repo/pack.ts";
import type { Repository } from "./repo/repository.ts";

export interface VerifyOptions {
  repo: Repository;
  compressor: Compressor;
  /** Fraction of packs to read in full, 0..1 (default 1: all). */
  sample?: number;
  onProgress?: ProgressListener;
  random?: () => number;
  /** Where this client's freshness head lives (spec §8.6), as for restore and backup. */
  heads: HeadStore;
  /** Repository lock settings (spec §8.11); false: take no lock (read-only storage access). */
  lock?: LockOptions | false;
}

export interface VerifyProblem {
  object: string;
  problem: string;
}

export interface VerifyReport {
  snapshots: number;
  packsChecked: number;
  packsTotal: number;
  chunksChecked: number;
  problems: VerifyProblem[];
  /** Findings that are not damage: a fork resolved by the head (spec §8.6). */
  warnings: VerifyProblem[];
}

export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  if (opts.lock === false) return verifyUnlocked(opts);
  return withReaderLock(opts.repo, { operation: "verify", ...opts.lock }, () => verifyUnlocked(opts));
}

/** Problems of one manifest against the index: chunks not indexed, in lost packs, or not adding up to a file's size. */
function manifestProblems(m: SnapshotManifest, index: ChunkIndex, present: Map<string, number>): string[] {
  const out: string[] = [];
  let unindexed = 0;
  let lost = 0;
  const sum = (ids: Uint8Array[]): number | undefined => {
    let n = 0;
    let known = true;
    for (const id of ids) {
      const loc = index.get(toHex(id));
      if (!loc) {
        unindexed++;
        known = false;
        continue;
      }
      if (!present.has(loc.pack)) lost++;
      n += loc.rawLength;
    }
    return known ? n : undefined;
  };
  const db = m.database;
  if (db) {
    const size = sum(db.pages);
    if (db.pages.length !== db.pageCount || (size !== undefined && size !== db.pageCount * db.pageSize)) {
      out.push(
        `database ${db.name}: its pages hold ${size ?? "?"} bytes in ${db.pages.length} chunks, the manifest says ${db.pageCount} pages of ${db.pageSize}`,
      );
    }
  }
  for (const f of m.media) {
    const size = sum(f.chunks);
    if (size !== undefined && size !== f.size) out.push(`media file ${f.path}: its chunks hold ${size} bytes, the manifest says ${f.size}`);
  }
  if (unindexed > 0) out.unshift(`${unindexed} chunks are not in the index`);
  if (lost > 0) out.unshift(`${lost} chunks are only in packs missing from storage`);
  return out;
}

async function verifyUnlocked(opts: VerifyOptions): Promise<VerifyReport> {
  const { repo } = opts;
  const problems: VerifyProblem[] = [];
  const note = (object: string, e: unknown) => problems.push({ object, problem: e instanceof Error ? e.message : String(e) });
  const progress = new ProgressTracker("verify", opts.onProgress);
  const warnings: VerifyProblem[] = [];
  progress.setPhase("checking freshness");
  const { heads } = opts;
  try {
    // Freshness needs only the manifests' headers; listings are checked with each snapshot below.
    const latest = await repo.resolveSnapshot(heads, undefined, { listing: false });
    for (const c of latest?.conflicts ?? []) {
      warnings.push({
        object: c.name,
        problem: `another snapshot #${c.sequence} than the latest (${latest!.ref.digest.slice(0, 12)}): two backups ran at once; prune forgets it`,
      });
    }
  } catch (e) {
    if (isRetryable(e)) throw e;
    note(`freshness (${heads.describe})`, e);
  }
  progress.setPhase("reading index");
  const present = await repo.listPacks();
  const index = await repo.loadIndex(present);
  const refs = await repo.listSnapshots();
  for (const ref of refs) {
    try {
      for (const problem of manifestProblems(await repo.readSnapshot(ref, { index }), index, present)) problems.push({ object: ref.name, problem });
    } catch (e) {
      if (isRetryable(e)) throw e;
      note(ref.name, e);
    }
  }
  const byPack = new Map<string, [string, ChunkLocation][]>();
  for (const [id, loc] of index.entries()) {
    const list = byPack.get(loc.pack) ?? [];
    list.push([id, loc]);
    byPack.set(loc.pack, list);
  }
  for (const pack of byPack.keys()) if (!present.has(pack)) problems.push({ object: packName(fromHex(pack)), problem: "pack is missing from storage" });
  const sample = opts.sample ?? 1;
  const rnd = opts.random ?? Math.random;
  const toCheck = [...byPack.keys()].filter((p) => present.has(p) && (sample >= 1 || rnd() < sample));
  progress.bytesTotal = toCheck.reduce((n, p) => n + present.get(p)!, 0);
  progress.filesTotal = toCheck.length;
  progress.setPhase("reading packs");
  let chunksChecked = 0;
  for (const pack of toCheck) {
    const name = packName(fromHex(pack));
    try {
      const bytes = await repo.storage.get(name);
      if (toHex(await repo.keys.backend.sha256(bytes)) !== pack) throw new Error("pack content does not match its name");
      const entries = await packHeaderOf(repo.keys, repo.repoId, bytes, name);
      const inHeader = new Set(entries.map((e) => e.id));
      for (const [id, loc] of byPack.get(pack)!) {
        if (!inHeader.has(id)) throw new Error(`index lists chunk ${id} that the pack header does not`);
        await openChunk(repo, opts.compressor, id, loc, bytes.subarray(loc.offset, loc.offset + loc.length));
        chunksChecked++;
      }
    } catch (e) {
      // Unreachable storage is not a finding about the data: stop and say so.
      if (isRetryable(e)) throw e;
      note(name, e);
    }
    progress.advance(present.get(pack)!, 1);
  }
  progress.setPhase("done");
  return { snapshots: refs.length, packsChecked: toCheck.length, packsTotal: byPack.size, chunksChecked, problems, warnings };
}
