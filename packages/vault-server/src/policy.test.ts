import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_POLICY, FRESH_COUNTERS, applySuccess, decideStart, lockDuration, resolvePolicy, type Counters } from "./policy.ts";

const H = 3_600_000;
const p = DEFAULT_POLICY;

function release(c: Counters, now: number) {
  const d = decideStart(c, now, p);
  assert.equal(d.kind, "release");
  return d as Extract<typeof d, { kind: "release" }>;
}

test("five attempts, the fifth starts a 1 h lock; waits grow 1 h, 4 h, 16 h", () => {
  let c: Counters = { ...FRESH_COUNTERS };
  let now = 0;
  const remaining: number[] = [];
  for (let i = 0; i < 5; i++) {
    const d = release(c, now);
    remaining.push(d.attemptsRemaining);
    c = d.counters;
  }
  assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
  assert.equal(c.lockedUntil, now + H);
  assert.deepEqual(decideStart(c, now + H - 1, p), { kind: "locked", retryAfter: H });
  now = H;
  for (let i = 0; i < 5; i++) c = release(c, now).counters;
  assert.equal(c.lockedUntil, now + 4 * H);
  now += 4 * H;
  for (let i = 0; i < 5; i++) c = release(c, now).counters;
  assert.equal(c.lockedUntil, now + 16 * H);
});

test("the budget: the 20th attempt can still succeed; after its KE2 expires the record is destroyed", () => {
  let c: Counters = { ...FRESH_COUNTERS, totalFailures: 19 };
  const d = release(c, 0);
  assert.equal(d.failureBudgetRemaining, 0);
  assert.equal(d.attemptsRemaining, 0);
  assert.equal(d.lockedUntil, null);
  c = d.counters;
  assert.deepEqual(decideStart(c, 1000, p), { kind: "locked", retryAfter: p.loginTtlMs });
  assert.deepEqual(decideStart(c, p.loginTtlMs, p), { kind: "destroy" });
  // ... unless it succeeded
  const ok = applySuccess(c);
  assert.equal(ok.totalFailures, 19);
  assert.equal(decideStart(ok, p.loginTtlMs, p).kind, "release");
});

test("success resets the consecutive count and the lock, refunds its own attempt", () => {
  let c: Counters = { ...FRESH_COUNTERS };
  for (let i = 0; i < 4; i++) c = release(c, 0).counters;
  c = applySuccess(release(c, 0).counters);
  assert.equal(c.consecutiveFailures, 0);
  assert.equal(c.totalFailures, 4);
  assert.equal(c.lockedUntil, null);
  assert.equal(c.lockouts, 0);
});

test("lock durations are capped; policy validation names the field", () => {
  assert.equal(lockDuration(p, 0), H);
  assert.equal(lockDuration(p, 10), p.lockCapMs);
  assert.throws(() => resolvePolicy({ maxAttempts: 0 }), /maxAttempts/);
  assert.throws(() => resolvePolicy({ failureBudget: 3 }), /failureBudget/);
  assert.throws(() => resolvePolicy({ lockFactor: 0.5 }), /lockFactor/);
});
