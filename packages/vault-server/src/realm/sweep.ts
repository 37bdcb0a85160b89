/**
 * Background upkeep of a realm (spec/threshold-vault.md "Realm state at rest"): expired
 * attempts are removed (an expired pending attempt stays counted: abandoning phase 3 never
 * refunds a guess), and accounts whose budget ran out are destroyed.
 */
import type { RealmContext } from "./context.ts";
import { destroyIfExhausted } from "./view.ts";

export interface SweepResult {
  attemptsRemoved: number;
  destroyed: number;
}

export async function sweepRealm(ctx: RealmContext): Promise<SweepResult> {
  const now = ctx.clock.now();
  let attemptsRemoved = 0;
  for (let n = -1; n !== 0;) attemptsRemoved += n = await ctx.store.sweepExpiredAttempts(now, 500);
  let destroyed = 0;
  for (const accountId of await ctx.store.exhaustedAccounts(now, ctx.policy.failureBudget, 100)) {
    try {
      if (await destroyIfExhausted(ctx, accountId, now)) destroyed++;
    } catch (err) {
      ctx.log.error({ err, account: accountId }, "realm sweep: account refused");
    }
  }
  return { attemptsRemoved, destroyed };
}
