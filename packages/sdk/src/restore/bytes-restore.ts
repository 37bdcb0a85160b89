/**
 * Restore into memory (browsers): the same checks as the Node restore — snapshot
 * resolved against the head, every chunk indexed, authenticated and checked against its
 * keyed ID — with the files assembled in buffers instead of a staging folder.
 */
import { IntegrityError } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import { readPackChunks } from "../repo/chunk-reader.ts";
import type { HeadStore } from "../repo/head.ts";
import type { Repository } from "../repo/repository.ts";
import { type DamagedFile, planRestore } from "./plan.ts";

export interface BytesRestoreResult {
  snapshot: { sequence: number; digest: string; time: string };
  database: { name: string; bytes: Uint8Array } | null;
  /** `rawPath`: the name's exact bytes when it is not UTF-8 (spec §8.5.1). */
  media: { path: string; rawPath?: Uint8Array; bytes: Uint8Array; mtimeMs: number }[];
  /** Media files left out because their recorded size does not match their data. */
  damaged: DamagedFile[];
}

export async function restoreToBytes(opts: {
  repo: Repository;
  heads: HeadStore;
  compressor: Compressor;
  snapshot?: string;
  onProgress?: ProgressListener;
}): Promise<BytesRestoreResult> {
  const { repo } = opts;
  const progress = new ProgressTracker("restore", opts.onProgress);
  progress.setPhase("reading repository");
  const index = await repo.loadIndex();
  const resolved = await repo.resolveSnapshot(opts.heads, opts.snapshot, { index });
  if (!resolved) throw new IntegrityError("missing_object", "the repository holds no snapshot yet");
  const m = resolved.manifest;
  const { files, byPack, bytes, damaged, mediaFiles } = planRestore(m, (id) => index.get(id));
  progress.bytesTotal = bytes;
  progress.filesTotal = files.length;
  progress.setPhase("downloading");
  const buffers = files.map((f) => new Uint8Array(f.size));
  for (const [pack, requests] of byPack) {
    await readPackChunks(repo, opts.compressor, pack, requests, async (req, plain) => {
      for (const t of req.targets) buffers[t.file]!.set(plain, t.offset);
      progress.advance(plain.length * req.targets.length);
    });
  }
  progress.setPhase("done");
  const database = m.database ? { name: m.database.name, bytes: buffers[0]! } : null;
  const media = m.media.flatMap((f, i) => {
    const at = mediaFiles[i]!;
    return at < 0 ? [] : [{ path: f.path, ...(f.rawPath ? { rawPath: f.rawPath } : {}), bytes: buffers[at]!, mtimeMs: f.mtimeMs }];
  });
  return { snapshot: { sequence: resolved.ref.sequence, digest: resolved.ref.digest, time: m.time }, database, media, damaged };
}
