/**
 * Which snapshot is "the latest" (spec §8.6): the newest sequence in storage, checked
 * against the head recorded where the storage provider cannot write.
 *
 * Two snapshots with the same newest sequence are a fork: two backups committed at once
 * (clients that did not see each other's lock, or one without locks). Both are authentic
 * (only key holders can write a snapshot), so this is not tampering and must never be
 * reported as a rollback: the head decides when it names one of them; without a head
 * that names one, the one with the newest manifest time wins (ties: the larger digest).
 * The others are reported as `conflicts`, stay restorable by digest, and are forgotten
 * by the next prune.
 */
import { IntegrityError } from "@chatvault/format";
import type { Head } from "./head.ts";
import type { SnapshotRef } from "./repository.ts";

/** Throw IntegrityError("rollback") when storage is behind the recorded head. */
export function checkFreshness(latest: SnapshotRef | undefined, head: Head | undefined, sameSequence: SnapshotRef[] = latest ? [latest] : []): void {
  if (!head) return;
  if (!latest || latest.sequence < head.sequence) {
    throw new IntegrityError(
      "rollback",
      `the newest backup (#${head.sequence}) is missing from storage, which offers ${latest ? `#${latest.sequence}` : "none"}: storage was rolled back or objects were deleted`,
    );
  }
  if (latest.sequence === head.sequence && !sameSequence.some((r) => r.digest === head.digest)) {
    throw new IntegrityError("rollback", `backup #${head.sequence} in storage is not the one this client wrote`);
  }
}

/** The newest refs (all those sharing the highest sequence), from refs sorted oldest first. */
export function newestRefs(refs: SnapshotRef[]): SnapshotRef[] {
  const top = refs[refs.length - 1];
  return top ? refs.filter((r) => r.sequence === top.sequence) : [];
}

/**
 * Pick the latest among the newest refs (see the file comment). `timeOf` reads a
 * manifest's time; it is asked only when the head does not decide.
 */
export async function pickLatest(
  newest: SnapshotRef[],
  head: Head | undefined,
  timeOf: (ref: SnapshotRef) => Promise<string>,
): Promise<{ latest: SnapshotRef; conflicts: SnapshotRef[] } | undefined> {
  if (newest.length === 0) return undefined;
  if (newest.length === 1) return { latest: newest[0]!, conflicts: [] };
  const named = head && newest.find((r) => r.sequence === head.sequence && r.digest === head.digest);
  let latest = named;
  if (!latest) {
    const timed = await Promise.all(newest.map(async (r) => ({ r, t: Date.parse(await timeOf(r)) })));
    timed.sort((a, b) => b.t - a.t || b.r.digest.localeCompare(a.r.digest));
    latest = timed[0]!.r;
  }
  return { latest, conflicts: newest.filter((r) => r !== latest) };
}
