/**
 * `recover/start` on the client (spec/threshold-vault.md §5.3.1, §6.2.1) against fake realms: a
 * context that unlocked sends the realms that gave K its guess with phase 1; a stale guess spends
 * nothing; v2 realms keep the v2 flow; locks, wrong passwords, lying realms, failures on a count
 * and unfinished changes behave as without it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes } from "@chatvault/format";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { changePassword } from "./change-password.ts";
import { RealmRequestError, RealmsLockedError, RealmsWrongPasswordError } from "./errors.ts";
import { thresholdHarness, type Harness } from "./testing/harness.ts";
import type { FakeRealm } from "./testing/fake-realm.ts";
import type { RealmApi } from "./transport.ts";

const PW = "correct horse battery staple";

async function enabled(t = 2, n = 3): Promise<Harness> {
  const h = thresholdHarness(t, n);
  await enable(h.context(), PW, h.rootKey);
  return h;
}

/** The realms' APIs, logging `<realm>:<method>` of every call. */
function logged(realms: FakeRealm[], log: string[]): RealmApi[] {
  return realms.map(
    (realm, k) =>
      new Proxy(realm, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            log.push(`${k + 1}:${String(prop)}`);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as RealmApi,
  );
}

const evaluations = (h: Harness) => h.realms.map((r) => r.evaluations);

test("a warm context unlocks in two rounds: start at the t realms that gave K, record at the others, then unlock", async () => {
  const h = await enabled();
  const log: string[] = [];
  const ctx = h.context({ realmApis: logged(h.realms, log) });
  await unlock(ctx, PW, { repair: false });
  assert.deepEqual(ctx.startAt, [0, 1]);
  log.length = 0;
  const before = evaluations(h);
  const again = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(again.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual([...log].sort(), ["1:start", "1:unlock", "2:start", "2:unlock", "3:record"]);
  assert.deepEqual(
    evaluations(h).map((x, k) => x - before[k]!),
    [1, 1, 0],
  );
  assert.deepEqual(
    h.realms.map((r) => r.startEvaluations),
    [1, 1, 0],
  );
  assert.deepEqual(
    again.realms.map((r) => r.status),
    ["ok", "ok", "ok"],
  );
  // Counts reset at both: the next one starts again and spends the same.
  log.length = 0;
  await unlock(ctx, PW, { repair: false });
  assert.equal(log.filter((x) => x.endsWith(":start")).length, 2);
});

test("a stale guess (the password was changed elsewhere) spends nothing at start and falls back to phase 2", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  await changePassword(h.context(), PW, "a new password");
  const before = evaluations(h);
  const starts = h.realms.map((r) => r.starts);
  const res = await unlock(ctx, "a new password", { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(
    h.realms.map((r, k) => r.starts - starts[k]!),
    [1, 1, 0],
  );
  assert.deepEqual(
    h.realms.map((r) => r.startEvaluations),
    [0, 0, 0],
    "the starts named the old registration: nothing counted",
  );
  // One attempt per asked realm, all in phase 2 for the new registration.
  assert.deepEqual(
    evaluations(h).map((x, k) => x - before[k]!),
    [1, 1, 0],
  );
});

test("an unfinished change at a realm (a next is held) spends nothing there at start", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  // A change that prepared at realm 1 only and could not abort there: realm 1 keeps a next (§6.6).
  const crash = (name: string) => (op: string) => {
    if (op === name) throw new Error("crash");
  };
  h.realms[1]!.faults.before = crash("admin:prepare");
  h.realms[2]!.faults.before = crash("admin:prepare");
  h.realms[0]!.faults.before = crash("admin:abort");
  await assert.rejects(changePassword(h.context(), PW, "a new password"));
  for (const r of h.realms) r.faults.before = undefined;
  assert.ok(h.realms[0]!.dump().registrations.length === 2, "realm 1 holds a next");
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(
    h.realms.map((r) => r.startEvaluations),
    [0, 1, 0],
    "realm 1 (with a next) did not evaluate at start; realm 2 did",
  );
});

test("against a chatvault-realm/2 realm the client sends it /record and phase 2 as before", async () => {
  const h = await enabled();
  h.realms[0]!.faults.v2Only = true;
  const log: string[] = [];
  const ctx = h.context({ realmApis: logged(h.realms, log) });
  await unlock(ctx, PW, { repair: false });
  log.length = 0;
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual([...log].sort(), ["1:evaluate", "1:record", "1:unlock", "2:start", "2:unlock", "3:record"]);
});

test("a wrong password through start spends one attempt per realm, as before, and the next try starts again", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  const before = evaluations(h);
  await assert.rejects(unlock(ctx, "wrong", { repair: false }), (e: unknown) => e instanceof RealmsWrongPasswordError && e.attemptsRemaining === 4);
  assert.deepEqual(
    evaluations(h).map((x, k) => x - before[k]!),
    [1, 1, 1],
  );
  assert.deepEqual(ctx.startAt, [0, 1], "kept: t realms are still unlocked");
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(
    h.realms.map((r) => r.startEvaluations),
    [2, 2, 0],
  );
});

test("after wrong passwords that lock t realms the context stops starting: locked unlocks spend nothing", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  let last: unknown;
  for (let i = 0; i < 5; i++) last = await unlock(ctx, "wrong", { repair: false }).catch((e: unknown) => e);
  assert.ok(last instanceof RealmsWrongPasswordError && last.lockedUntil !== null, String(last));
  assert.equal(ctx.startAt, undefined);
  const before = evaluations(h);
  await assert.rejects(unlock(ctx, PW, { repair: false }), RealmsLockedError);
  await assert.rejects(unlock(ctx, PW, { repair: false }), RealmsLockedError);
  assert.deepEqual(evaluations(h), before, "no attempt while locked");
});

test("a realm that lies in its start evaluation is named; the others give K", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  h.realms[0]!.faults.badEvaluation = true;
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.equal(res.realms[0]!.status, "misbehaved");
  assert.equal(res.realms[0]!.reason, "bad_proof");
  assert.deepEqual(ctx.startAt, [1, 2]);
});

test("a member with a failure on its count is asked in phase 2 and reset; a realm down at start is replaced", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  // A wrong password from another context reaches every realm; then realm 2 is down for this unlock.
  await assert.rejects(unlock(h.context(), "wrong", { repair: false }), RealmsWrongPasswordError);
  h.realms[1]!.faults.down = true;
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(
    res.realms.map((r) => r.status),
    ["ok", "unreachable", "ok"],
  );
  h.realms[1]!.faults.down = false;
  const view = await Promise.all(h.realms.map((r) => r.record()));
  assert.deepEqual(
    view.map((v) => v.attemptsRemaining),
    [5, 4, 5],
    "realms 1 and 3 reset; realm 2 (down) keeps its failure",
  );
});

test("a realm that lists chatvault-realm/3 but answers start with not_found is read as a v2 realm", async () => {
  const h = await enabled();
  const ctx = h.context();
  await unlock(ctx, PW, { repair: false });
  const realm = h.realms[0]!;
  realm.start = async () => {
    throw new RealmRequestError("not_found", "realm refused: not_found", 404);
  };
  const res = await unlock(ctx, PW, { repair: false });
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.equal(res.realms[0]!.status, "ok");
  assert.equal(ctx.v3Realms.has(0), false);
});
