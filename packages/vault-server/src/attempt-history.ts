/**
 * The attempt history a record's owner sees (spec/vault-protocol.md §5.7), derived from
 * the attempt rows the vault keeps anyway for counting (§6.1, §6.6): no extra writes, no
 * data about the guesser (no address, no device) beyond the time and the outcome.
 */
import { ATTEMPT_HISTORY_LIMITS, type AttemptEvent, type AttemptHistory } from "@chatvault/vault-protocol";
import type { AttemptRow, HistoryRow, VaultStore } from "./store/vault-store.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the history needs of an attempt row. */
export const historyRowOf = (a: AttemptRow): HistoryRow => [a.startedAt, a.outcome, a.expiresAt, a.lockedUntil ?? null];

/** Events of attempt rows (newest first), as of `now`, leaving out `excludeLoginId`. */
export function attemptHistoryOf(rows: readonly AttemptRow[], now: number, excludeLoginId?: string): AttemptHistory {
  return historyOf(rows.filter((a) => a.loginId !== excludeLoginId).map(historyRowOf), now);
}

/** Events of history rows (newest first; see `VaultStore.historyRows`), as of `now`. */
export function historyOf(rows: readonly HistoryRow[], now: number): AttemptHistory {
  const { retentionDays, maxEvents } = ATTEMPT_HISTORY_LIMITS;
  const oldest = now - retentionDays * DAY_MS;
  const events: AttemptEvent[] = [];
  for (const [at, state, expiresAt, lockedUntil] of rows) {
    if (at < oldest) continue;
    // The lock began when this attempt was counted: newer than the attempt itself.
    if (lockedUntil !== null) events.push({ at, outcome: "locked", until: Math.max(lockedUntil, at) });
    const outcome = state === "success" ? "success" : state === "failed" ? "wrong" : expiresAt <= now ? "abandoned" : "pending";
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
  /** The rows other than `excludeLoginId`, if read already (with the settle: `ChangeOptions.attempts`). */
  rowsRead?: readonly HistoryRow[],
): Promise<AttemptHistory> {
  if (rowsRead) return historyOf(rowsRead, now);
  // A store that reads the rows as tuples (SQLite: one JSON value instead of 51 rows of six
  // columns, spec §5.7) reads only what the events need; any other reads attempt rows.
  if (store.historyRows) return historyOf(await store.historyRows(accountId, excludeLoginId, ATTEMPT_HISTORY_LIMITS.maxEvents), now);
  return attemptHistoryOf(await store.recentAttempts(accountId, attemptHistoryRows(excludeLoginId)), now, excludeLoginId);
}
