/**
 * Restore into memory (browsers): the same checks as the Node restore — snapshot
 * resolved against the head, every chunk indexed, authenticated and checked against its
 * keyed ID (prepare.ts) — with the files assembled in buffers instead of a staging folder.
 */
import type { Compressor } from "../backup/compressor.ts";
import { type ProgressListener, ProgressTracker } from "../progress.ts";
import { readPackChunks } from "../repo/chunk-reader.ts";
import type { HeadStore } from "../repo/head.ts";
import type { Repository } from "../repo/repository.ts";
import type { DamagedFile } from "./plan.ts";
import { prepareRestore, recordRestoredHead } from "./prepare.ts";

export interface BytesRestoreResult {
  snapshot: { sequence: number; digest: string; time: string };
  database: { name: string; bytes: Uint8Array } | null;
  /** `rawPath`: the name's exact bytes when it is not UTF-8 (spec §8.5.1). */
  media: { path: string; rawPath?: Uint8Array; bytes: Uint8Array; mtimeMs: number }[];
  /** Media files left out because their recorded size does not match their data. */
  damaged: DamagedFile[];
}

/**
 * Restore a snapshot (default: the latest) into buffers. Once every chunk is read and
 * authenticated, a device-local head (`heads.local`, key and passkey mode) that is behind
 * the restored latest snapshot is advanced to it (spec §8.6; never moved back). If the
 * head store fails to read or write, this rejects with its error: the caller has not
 * used the restored bytes yet, and retrying the restore helps once the store works.
 */
export async function restoreToBytes(opts: {
  repo: Repository;
  heads: HeadStore;
  compressor: Compressor;
  snapshot?: string;
  onProgress?: ProgressListener;
}): Promise<BytesRestoreResult> {
  const { repo } = opts;
  const progress = new ProgressTracker("restore", opts.onProgress);
  const { resolved, plan } = await prepareRestore(repo, opts.heads, opts.snapshot, progress);
  const m = resolved.manifest;
  progress.setPhase("downloading");
  const buffers = plan.files.map((f) => new Uint8Array(f.size));
  for (const [p, pack] of plan.packs.entries()) {
    await readPackChunks(repo, opts.compressor, pack, plan.requests(p), async (req, plain) => {
      for (const t of req.targets) buffers[t.file]!.set(plain, t.offset);
      progress.advance(plain.length * req.targets.length);
    });
  }
  await recordRestoredHead(opts.heads, opts.snapshot, resolved.ref);
  progress.setPhase("done");
  const database = m.database ? { name: m.database.name, bytes: buffers[0]! } : null;
  const media = m.media.flatMap((f, i) => {
    const at = plan.mediaFiles[i]!;
    return at < 0 ? [] : [{ path: f.path, ...(f.rawPath ? { rawPath: f.rawPath } : {}), bytes: buffers[at]!, mtimeMs: f.mtimeMs }];
  });
  return { snapshot: { sequence: resolved.ref.sequence, digest: resolved.ref.digest, time: m.time }, database, media, damaged: plan.damaged };
}
