/**
 * The vault's attempt history (spec/vault-protocol.md §5.7) in CLI words: one line for
 * people ("3 failed attempts since the password was last entered correctly — on …") and
 * the same facts for --json, with ISO times. The counting rule is the protocol package's
 * (`summarizeAttemptHistory`); this file only formats it.
 */
import { type AttemptHistory, describeAttemptSummary, summarizeAttemptHistory } from "@chatvault/vault-protocol";
import { localTime } from "./local-time.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The line `status` shows and `restore`/`backup` note after an unlock. */
export function attemptHistoryLine(h: AttemptHistory): string {
  return describeAttemptSummary(summarizeAttemptHistory(h), localTime);
}

/** True when there is something the user should be told after an unlock. */
export function hasFailedAttempts(h: AttemptHistory): boolean {
  return summarizeAttemptHistory(h).failedAt.length > 0;
}

/** --json: `{failed, lastSuccessAt, failedAt, locks, retentionDays}` with ISO times. */
export function attemptHistoryJson(h: AttemptHistory): Record<string, unknown> {
  const s = summarizeAttemptHistory(h);
  return {
    failed: s.failedAt.length,
    lastSuccessAt: s.lastSuccessAt === null ? null : iso(s.lastSuccessAt),
    failedAt: s.failedAt.map(iso),
    locks: s.locks.map((l) => ({ at: iso(l.at), until: iso(l.until) })),
    pending: s.pending,
    retentionDays: s.retentionDays,
  };
}
