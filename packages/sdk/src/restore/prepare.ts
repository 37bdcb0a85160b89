/**
 * What every restore does before its first download and after its last one, the same on
 * Node and in memory (spec §8.8): resolve the snapshot against the head (§8.6), check
 * that every chunk is indexed and the sizes add up (plan.ts), set the progress totals;
 * and once everything is restored, start this device's freshness record at it.
 */
import { IntegrityError } from "@chatvault/format";
import type { ProgressTracker } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import type { Repository, ResolvedSnapshot } from "../repo/repository.ts";
import { type RestorePlan, planRestore } from "./plan.ts";

export interface PreparedRestore {
  resolved: ResolvedSnapshot;
  plan: RestorePlan;
}

/**
 * Resolve `snapshot` ("latest" when undefined) and plan its restore. Throws
 * `IntegrityError("missing_object")` for an empty repository, `rollback` when storage is
 * behind the head, and whatever planRestore refuses — all before anything is downloaded.
 */
export async function prepareRestore(repo: Repository, heads: HeadStore, snapshot: string | undefined, progress: ProgressTracker): Promise<PreparedRestore> {
  progress.setPhase("reading repository");
  const index = await repo.loadIndex();
  const resolved = await repo.resolveSnapshot(heads, snapshot, { index });
  if (!resolved) throw new IntegrityError("missing_object", "the repository holds no snapshot yet");
  const plan = planRestore(resolved.manifest, index);
  progress.bytesTotal = plan.bytes;
  progress.filesTotal = plan.files.length;
  return { resolved, plan };
}

/**
 * After a restore of the latest snapshot, a device-local head record (`heads.local`: key
 * and passkey mode) starts at what was restored, so a later rollback of storage is caught
 * on this device too (spec §8.6, §13.4). It never moves back: a head already at or past
 * the restored sequence is left alone. A head kept by the vault or the realms is left to
 * backups, which advance it. An older snapshot restored by name does not move it.
 */
export async function recordRestoredHead(heads: HeadStore, snapshot: string | undefined, ref: { sequence: number; digest: string }): Promise<void> {
  if (!heads.local || (snapshot !== undefined && snapshot !== "latest")) return;
  const current = await heads.get();
  if (!current || current.sequence < ref.sequence) await heads.advance({ sequence: ref.sequence, digest: ref.digest });
}
