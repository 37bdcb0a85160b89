/**
 * `verify` (spec §8.9): read back and authenticate the repository. Every snapshot
 * manifest is opened and every chunk it names must be indexed; then every pack (or a
 * random sample) is downloaded whole, its name checked against its SHA-256, its header
 * opened, and every chunk in it opened and checked against its keyed ID.
 */
import { fromHex, toHex } from "@chatvault/format";
import { isRetryable } from "@chatvault/storage";
import type { Compressor } from "./backup/compressor.ts";
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
}

export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  const { repo } = opts;
  const problems: VerifyProblem[] = [];
  const note = (object: string, e: unknown) => problems.push({ object, problem: e instanceof Error ? e.message : String(e) });
  const progress = new ProgressTracker("verify", opts.onProgress);
  progress.setPhase("reading index");
  const index = await repo.loadIndex();
  const refs = await repo.listSnapshots();
  for (const ref of refs) {
    try {
      const m = await repo.readSnapshot(ref);
      const ids = [...(m.database?.pages ?? []), ...m.media.flatMap((f) => f.chunks)];
      const missing = ids.filter((id) => !index.has(toHex(id))).length;
      if (missing > 0) problems.push({ object: ref.name, problem: `${missing} chunks are not in the index` });
    } catch (e) {
      note(ref.name, e);
    }
  }
  const present = await repo.listPacks();
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
  return { snapshots: refs.length, packsChecked: toCheck.length, packsTotal: byPack.size, chunksChecked, problems };
}
