/**
 * Conformance, part three: what the attempt history (spec/vault-protocol.md §5.7) needs
 * from a backend — the lock an attempt started, read back with the attempt; pruning by
 * age and by count that never touches a pending attempt. Run by `storeConformance`.
 */
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import { type WithRepo, create } from "./conformance-fixtures.ts";
import { startAttempt } from "./record-transitions.ts";
import type { AttemptRow } from "./vault-store.ts";

let n = 0;
const attempt = (accountId: string, startedAt: number, outcome: AttemptRow["outcome"], lockedUntil: number | null = null): AttemptRow => ({
  loginId: `h-${++n}-${Math.random()}`,
  accountId,
  recordVersion: 1,
  startedAt,
  expiresAt: startedAt + 60_000,
  outcome,
  sealedState: null,
  lockedUntil,
});

export function historyConformance(withRepo: WithRepo): void {
  withRepo("history: the attempt that starts a lock keeps the lock's end", async (store) => {
    await create(store, "h1");
    const starts = [];
    for (let i = 0; i < 5; i++) {
      starts.push(
        await startAttempt(store, {
          accountId: "h1",
          expectedVersion: 1,
          now: 1000 + i,
          policy: DEFAULT_POLICY,
          loginId: `h1-${i}`,
          sealedState: new Uint8Array(32),
        }),
      );
    }
    const last = starts[4]!;
    assert.equal(last.kind, "released");
    const rows = await store.recentAttempts("h1", 10);
    assert.deepEqual(
      rows.map((r) => r.lockedUntil),
      [last.kind === "released" ? last.lockedUntil : -1, null, null, null, null],
      "newest first; only the 5th started the lock",
    );
    assert.ok(rows[0]!.lockedUntil! > 1004);
  });

  withRepo("history: pruning by count keeps the newest finished attempts and every pending one", async (store) => {
    await create(store, "h2");
    const rows = [attempt("h2", 1, "pending"), ...Array.from({ length: 30 }, (_, i) => attempt("h2", 10 + i, i % 2 ? "success" : "failed"))];
    for (const a of rows) await store.changeRecord("h2", () => ({ result: undefined, insertAttempt: a }));
    await store.changeRecord("h2", () => ({ result: undefined, keepNewestAttempts: 5 }));
    const left = await store.recentAttempts("h2", 100);
    assert.deepEqual(
      left.map((r) => r.startedAt),
      [39, 38, 37, 36, 35, 1],
      "the 5 newest, and the old pending attempt",
    );
    await store.changeRecord("h2", () => ({ result: undefined, pruneAttemptsBefore: 37 }));
    assert.deepEqual(
      (await store.recentAttempts("h2", 100)).map((r) => r.startedAt),
      [39, 38, 37, 1],
    );
  });
}
