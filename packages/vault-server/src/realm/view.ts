/**
 * Phase 1, `GET /realm/v1/record` (spec/threshold-vault.md §5.3): the public parts of the
 * registrations held, attempts remaining and the lock. Spends no guess. An account whose
 * budget ran out and whose last attempt expired is destroyed here, lazily (as in the
 * single vault); `sweep.ts` does the same in the background.
 */
import { attemptsRemaining, isExhausted, settle } from "../policy.ts";
import { counters, destroyedRow, info, verified, type Unbound } from "./account.ts";
import type { RealmContext } from "./context.ts";
import type { RealmRecordResponse } from "./protocol.ts";

export async function readRecord(ctx: RealmContext, accountId: string): Promise<RealmRecordResponse> {
  const now = ctx.clock.now();
  let a = verified(ctx, await ctx.store.getAccount(accountId));
  if (a?.state === "active" && isExhausted(counters(a), now, ctx.policy)) {
    await destroyIfExhausted(ctx, accountId, now);
    a = verified(ctx, await ctx.store.getAccount(accountId));
  }
  return recordView(ctx, a, now);
}

/** What `/record` answers for a verified row (§5.3); `recover/start` answers the same view (§5.3.1). */
export function recordView(ctx: RealmContext, a: Unbound | null, now: number): RealmRecordResponse {
  const { maxAttempts, lockBaseMs, lockFactor, lockCapMs, failureBudget } = ctx.policy;
  const policy = { maxAttempts, lockBaseMs, lockFactor, lockCapMs, failureBudget };
  if (!a) return { state: "none", current: null, next: null, attemptsRemaining: maxAttempts, lockedUntil: null, policy };
  const c = counters(a);
  return {
    state: a.state,
    current: info(a.currentInfo),
    next: info(a.nextInfo),
    attemptsRemaining: a.state === "destroyed" ? 0 : attemptsRemaining(c, now, ctx.policy),
    lockedUntil: a.state === "destroyed" ? null : settle(c, now).lockedUntil,
    policy,
  };
}

/** Destroy the account's shares if its budget is spent and no attempt can still succeed. */
export async function destroyIfExhausted(ctx: RealmContext, accountId: string, now: number): Promise<boolean> {
  const done = await ctx.store.changeAccount(accountId, (row) => {
    const a = verified(ctx, row);
    if (!a || a.state !== "active" || !isExhausted(counters(a), now, ctx.policy)) return { result: false };
    return { result: true, put: ctx.codec.bind(destroyedRow(a, now)), deleteAttempts: true };
  });
  if (done) ctx.metrics.inc("realm_accounts_destroyed_total");
  if (done) ctx.log.warn({ account: accountId }, "realm shares destroyed: failure budget spent");
  return done;
}
