/**
 * GET /v1/status — the account's own view (spec §5.6): enabled / not_enabled / destroyed,
 * attempts remaining, lock, recent attempts and the attempt history (§5.7). Spends no guess. A record whose budget ran
 * out and whose last KE2 expired is destroyed here, lazily (§6.3).
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type AttemptOutcome, type KeyStretching, type StatusResponse } from "@chatvault/vault-protocol";
import { destroyIfExhausted, recordCounters } from "../../store/record-transitions.ts";
import { attemptsRemaining, isExhausted, settle } from "../../policy.ts";
import type { VaultContext } from "../context.ts";
import { readAttemptHistory } from "../../attempt-history.ts";
import { ATTEMPT_HISTORY_LIMITS } from "@chatvault/vault-protocol";

export function statusRoute(app: FastifyInstance, ctx: VaultContext): void {
  const { policy } = ctx.config;
  app.get(VAULT_PATHS.status, async (req) => {
    const accountId = req.accountId;
    const now = ctx.clock.now();
    let row = await ctx.store.getRecord(accountId);
    if (row?.state === "active" && isExhausted(recordCounters(row), now, policy)) {
      if (await destroyIfExhausted(ctx.store, { accountId, now, policy })) {
        ctx.metrics.inc("vault_records_destroyed_total");
        req.log.warn({ account: accountId }, "vault record destroyed: failure budget spent");
      }
      row = await ctx.store.getRecord(accountId);
    }
    const base = { policy: { maxAttempts: policy.maxAttempts, failureBudget: policy.failureBudget } };
    if (!row) {
      const out: StatusResponse = {
        state: "not_enabled",
        recordVersion: null,
        keyStretching: null,
        attemptsRemaining: policy.maxAttempts,
        failureBudgetRemaining: policy.failureBudget,
        lockedUntil: null,
        destroyedAt: null,
        recentAttempts: [],
        ...base,
        attemptHistory: emptyHistory(),
      };
      return out;
    }
    if (row.state === "destroyed") {
      const out: StatusResponse = {
        state: "destroyed",
        recordVersion: row.version,
        keyStretching: null,
        attemptsRemaining: 0,
        failureBudgetRemaining: 0,
        lockedUntil: null,
        destroyedAt: row.destroyedAt,
        recentAttempts: [],
        ...base,
        attemptHistory: emptyHistory(),
      };
      return out;
    }
    const c = recordCounters(row);
    const attempts = ctx.config.recentAttempts > 0 ? await ctx.store.recentAttempts(accountId, ctx.config.recentAttempts) : [];
    const out: StatusResponse = {
      state: "enabled",
      recordVersion: row.version,
      keyStretching: JSON.parse(row.keyStretching!) as KeyStretching,
      attemptsRemaining: attemptsRemaining(c, now, policy),
      failureBudgetRemaining: Math.max(0, policy.failureBudget - c.totalFailures),
      lockedUntil: settle(c, now).lockedUntil,
      destroyedAt: null,
      recentAttempts: attempts.map((a) => ({
        at: a.startedAt,
        outcome: (a.outcome === "pending" ? (a.expiresAt <= now ? "unfinished" : "pending") : a.outcome) as AttemptOutcome,
      })),
      ...base,
      attemptHistory: await readAttemptHistory(ctx.store, accountId, now),
    };
    return out;
  });
}

/** No record, or a destroyed one: its attempts were deleted with it (§5.5, §6.3). */
function emptyHistory() {
  return { events: [], retentionDays: ATTEMPT_HISTORY_LIMITS.retentionDays, maxEvents: ATTEMPT_HISTORY_LIMITS.maxEvents };
}
