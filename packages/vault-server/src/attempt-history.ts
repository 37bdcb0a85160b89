/**
 * The attempt history a record's owner sees (spec/vault-protocol.md §5.7), derived from
 * the attempt rows the vault keeps anyway for counting (§6.1, §6.6): no extra writes, no
 * data about the guesser (no address, no device) beyond the time and the outcome.
 */
import { ATTEMPT_HISTORY_LIMITS, type AttemptEvent, type AttemptHistory } from "@chatvault/vault-protocol";
import type { AttemptRow, VaultStore } from "./store/vault-store.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Events of attempt rows (newest first), as of `now`, leaving out `excludeLoginId`. */
export function attemptHistoryOf(rows: readonly AttemptRow[], now: number, excludeLoginId?: string): AttemptHistory {
  const { retentionDays, maxEvents } = ATTEMPT_HISTORY_LIMITS;
  const oldest = now - retentionDays * DAY_MS;
  const events: AttemptEvent[] = [];
  for (const a of rows) {
    if (a.loginId === excludeLoginId || a.startedAt < oldest) continue;
    // The lock began when this attempt was counted: newer than the attempt itself.
    if (a.lockedUntil !== undefined && a.lockedUntil !== null) events.push({ at: a.startedAt, outcome: "locked", until: Math.max(a.lockedUntil, a.startedAt) });
    const outcome = a.outcome === "success" ? "success" : a.outcome === "failed" ? "wrong" : a.expiresAt <= now ? "abandoned" : "pending";
    events.push({ at: a.startedAt, outcome });
  }
  // Rows come newest first; a stable sort keeps each lock before its attempt at equal times.
  events.sort((x, y) => y.at - x.at);
  return { events: events.slice(0, maxEvents), retentionDays, maxEvents };
}

/** Attempt rows to read for one history (one more when one login is left out). */
export const attemptHistoryRows = (excludeLoginId?: string): number => ATTEMPT_HISTORY_LIMITS.maxEvents + (excludeLoginId === undefined ? 0 : 1);

/** Read and derive the history of one account (one indexed query), unless its rows were read already. */
export async function readAttemptHistory(
  store: VaultStore,
  accountId: string,
  now: number,
  excludeLoginId?: string,
  rowsRead?: readonly AttemptRow[],
): Promise<AttemptHistory> {
  const rows = rowsRead ?? (await store.recentAttempts(accountId, attemptHistoryRows(excludeLoginId)));
  return attemptHistoryOf(rows, now, excludeLoginId);
}
