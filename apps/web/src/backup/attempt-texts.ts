/**
 * The key vault's attempt history (spec/vault-protocol.md §5.7) as the page says it. The
 * counting rule is the vault protocol's (`summarizeAttemptHistory`); times are formatted
 * by the caller, so this stays free of UI code.
 */
import { type AttemptHistory, describeAttemptSummary, summarizeAttemptHistory } from "@chatvault/vault-protocol";

/** "3 failed attempts since the password was last entered correctly (…) — on …", and how many failed. */
export function attemptHistoryText(history: AttemptHistory, formatTime: (ms: number) => string): { text: string; failed: number } {
  const s = summarizeAttemptHistory(history);
  return { text: describeAttemptSummary(s, formatTime), failed: s.failedAt.length };
}
