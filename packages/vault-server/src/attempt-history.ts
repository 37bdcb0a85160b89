/**
 * The attempt history a record's owner sees (spec/vault-protocol.md §5.7), derived from
 * the attempt rows the vault keeps anyway for counting (§6.1, §6.6): no extra writes, no
 * data about the guesser (no address, no device) beyond the time and the outcome.
 */
import { ATTEMPT_HISTORY_LIMITS, type AttemptEvent, type AttemptHistory } from "@chatvault/vault-protocol";
import type { AttemptRow, HistoryRow, VaultStore } from "./store/vault-store.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The outcome an attempt row reports as of `now` (§5.7): a pending one past its expiry was abandoned. */
export const historyOutcome = (a: Pick<AttemptRow, "outcome" | "expiresAt">, now: number): HistoryRow[1] =>
  a.outcome === "success" ? "success" : a.outcome === "failed" ? "wrong" : a.expiresAt <= now ? "abandoned" : "pending";

/** Events of attempt rows (newest first), as of `now`, leaving out `excludeLoginId`. */
export function attemptHistoryOf(rows: readonly AttemptRow[], now: number, excludeLoginId?: string): AttemptHistory {
  const kept = rows.filter((a) => a.loginId !== excludeLoginId);
  return historyOf(
    kept.map((a): HistoryRow => [a.startedAt, historyOutcome(a, now), a.lockedUntil ?? null]),
    now,
  );
}

/** Events of history rows (newest first, the outcome already as of `now`; see `VaultStore.historyRows`). */
export function historyOf(rows: readonly HistoryRow[], now: number): AttemptHistory {
  const { retentionDays, maxEvents } = ATTEMPT_HISTORY_LIMITS;
  const oldest = now - retentionDays * DAY_MS;
  const events: AttemptEvent[] = [];
  for (const [at, outcome, lockedUntil] of rows) {
    if (at < oldest) continue;
    // The lock began when this attempt was counted: newer than the attempt itself.
    if (lockedUntil !== null) events.push({ at, outcome: "locked", until: Math.max(lockedUntil, at) });
    events.push({ at, outcome });
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
  if (rowsRead) return attemptHistoryOf(rowsRead, now, excludeLoginId);
  // A store that derives the rows in its query (SQLite: one JSON value instead of 51 rows of
  // six columns, spec §5.7) reads exactly the events' inputs; any other reads attempt rows.
  if (store.historyRows) return historyOf(await store.historyRows(accountId, now, excludeLoginId, ATTEMPT_HISTORY_LIMITS.maxEvents), now);
  return attemptHistoryOf(await store.recentAttempts(accountId, attemptHistoryRows(excludeLoginId)), now, excludeLoginId);
}
