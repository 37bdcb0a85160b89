/**
 * Change password and turn off across realms (spec/threshold-vault.md §6.6, §6.7): a change
 * interrupted at every step — a realm dying at each admin call, or the client dying between
 * steps — never leaves neither password working, and the next unlock finishes or rolls back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes } from "@chatvault/format";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { changePassword } from "./change-password.ts";
import { disable } from "./disable.ts";
import { status } from "./status.ts";
import { RealmsNotEnabledError, RealmsUnavailableError, RealmsWrongPasswordError } from "./errors.ts";
import { thresholdHarness, type Harness } from "./testing/harness.ts";

const OLD = "old password";
const NEW = "new password";

/** Which of the two passwords open the backup now (without repairing anything). */
async function working(h: Harness): Promise<string[]> {
  const out: string[] = [];
  for (const pw of [OLD, NEW]) {
    // Fresh counters for the probe: a probe must not lock the realms.
    const snaps = h.realms.map((r) => r.snapshot());
    try {
      const r = await unlock(h.context(), pw, { repair: false });
      assert.ok(equalBytes(r.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
      out.push(pw);
    } catch (e) {
      if (!(e instanceof RealmsWrongPasswordError)) throw e;
    }
    h.realms.forEach((r, k) => r.restore(snaps[k]!));
  }
  return out;
}

async function enabled(): Promise<Harness> {
  const h = thresholdHarness(2, 3);
  await enable(h.context(), OLD, h.rootKey);
  return h;
}

const crashPoints: { name: string; arm: (h: Harness) => void }[] = [];
for (const op of ["admin:prepare", "admin:commit"]) {
  for (const realm of [0, 1, 2]) {
    for (const nth of [1]) {
      crashPoints.push({
        name: `realm ${realm + 1} dies at ${op}`,
        arm: (h) => {
          let seen = 0;
          h.realms[realm]!.faults.before = (o) => {
            if (o === op && ++seen >= nth) {
              h.realms[realm]!.faults.down = true;
              throw new Error("killed");
            }
          };
        },
      });
    }
  }
}
crashPoints.push({
  name: "two realms die at prepare",
  arm: (h) => {
    for (const k of [1, 2])
      h.realms[k]!.faults.before = (o) => {
        if (o === "admin:prepare") {
          h.realms[k]!.faults.down = true;
          throw new Error("killed");
        }
      };
  },
});

for (const cp of crashPoints) {
  test(`change password, ${cp.name}: old or new works, never neither; the next unlock settles it`, async () => {
    const h = await enabled();
    cp.arm(h);
    let threw: unknown = null;
    try {
      await changePassword(h.context(), OLD, NEW);
    } catch (e) {
      threw = e;
    }
    for (const r of h.realms) {
      r.faults.down = false;
      r.faults.before = undefined;
    }
    const w = await working(h);
    assert.ok(w.length >= 1, "neither password works");
    if (threw) {
      assert.ok(threw instanceof RealmsUnavailableError, String(threw));
      assert.deepEqual(w, [OLD], "a failed change must leave the old password");
    } else {
      assert.ok(w.includes(NEW));
    }
    // The next unlock with the password that works settles every realm on one registration.
    const pw = w.includes(NEW) ? NEW : OLD;
    await unlock(h.context(), pw);
    const versions = await Promise.all(
      h.realms.map(async (r) => {
        const rec = await r.record();
        return [rec.current?.version, rec.next?.version ?? null];
      }),
    );
    assert.equal(new Set(versions.map((v) => JSON.stringify(v))).size, 1, JSON.stringify(versions));
    assert.equal(versions[0]![1], null, "no change left half done");
    assert.deepEqual(await working(h), [pw]);
  });
}

for (const step of ["unlocked", "prepared", "committed-one"] as const) {
  test(`change password, the client dies after "${step}": never neither; the next unlock finishes or rolls back`, async () => {
    const h = await enabled();
    await assert.rejects(
      changePassword(h.context(), OLD, NEW, {
        afterStep: (s) => {
          if (s === step) throw new Error("client died");
        },
      }),
      /client died/,
    );
    const w = await working(h);
    assert.ok(w.length >= 1, "neither password works");
    // After one commit (2-of-3) the old registration is still current at two realms: both work.
    assert.deepEqual(w, step === "unlocked" ? [OLD] : [OLD, NEW]);
    await unlock(h.context(), w.includes(NEW) ? NEW : OLD);
    const recs = await Promise.all(h.realms.map((r) => r.record()));
    assert.ok(recs.every((r) => r.next === null && r.current!.version === recs[0]!.current!.version));
    if (step === "prepared") {
      // Unlocking with the new password commits everywhere; the old password is gone.
      assert.equal(recs[0]!.current!.version, 2);
      assert.deepEqual(await working(h), [NEW]);
    }
  });
}

test("the old password typed after a change's first commit finishes the change (realms never go back a version)", async () => {
  const h = await enabled();
  await assert.rejects(
    changePassword(h.context(), OLD, NEW, {
      afterStep: (s) => {
        if (s === "committed-one") throw new Error("client died");
      },
    }),
  );
  const r = await unlock(h.context(), OLD);
  assert.deepEqual(
    r.repairs.map((a) => [a.action, a.ok]),
    [
      ["commit", true],
      ["commit", true],
    ],
  );
  assert.deepEqual(await working(h), [NEW]);
});

test("change password with the old password typed during an unfinished change rolls the change back", async () => {
  const h = await enabled();
  await assert.rejects(
    changePassword(h.context(), OLD, NEW, {
      afterStep: (s) => {
        if (s === "prepared") throw new Error("client died");
      },
    }),
  );
  const r = await unlock(h.context(), OLD);
  assert.ok(r.repairs.every((a) => a.action === "abort" && a.ok) && r.repairs.length === 3);
  assert.deepEqual(await working(h), [OLD]);
});

test("turn off with a realm down: deleted at the others, the down realm is remembered and deleted later", async () => {
  const h = await enabled();
  const ctx = h.context();
  h.realms[2]!.faults.down = true;
  const d = await disable(ctx, h.rootKey);
  assert.deepEqual(d.deleted, [h.realms[0]!.realmId, h.realms[1]!.realmId].sort());
  assert.deepEqual(d.pending, [h.realms[2]!.realmId]);
  assert.equal((await ctx.pendingDeletes.list()).length, 1);
  h.realms[2]!.faults.down = false;
  // The realm left holding its share alone cannot unlock: fewer than t hold the registration.
  await assert.rejects(unlock(ctx, OLD), (e: unknown) => e instanceof RealmsNotEnabledError || e instanceof RealmsUnavailableError);
  assert.equal(h.realms[2]!.evaluations, 0);
  // Enabling again (same K) flushes the pending delete first, then registers everywhere.
  const en = await enable(ctx, NEW, h.rootKey);
  assert.equal(en.stored.length, 3);
  assert.deepEqual(await ctx.pendingDeletes.list(), []);
  assert.ok(equalBytes((await unlock(ctx, NEW)).rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  await assert.rejects(unlock(ctx, OLD), RealmsWrongPasswordError);
  // Turn off with all up: nothing remains.
  const d2 = await disable(ctx, h.rootKey);
  assert.equal(d2.deleted.length, 3);
  assert.equal((await status(ctx)).state, "none");
});

test("turn off with a realm down, re-enable with it still down, then unlock: the leftover is replaced, never used", async () => {
  const h = await enabled();
  const ctx = h.context();
  h.realms[2]!.faults.down = true;
  await disable(ctx, h.rootKey);
  const en = await enable(ctx, NEW, h.rootKey);
  assert.equal(en.stored.length, 2);
  assert.equal((await ctx.pendingDeletes.list()).length, 1);
  h.realms[2]!.faults.down = false;
  const r = await unlock(ctx, NEW);
  assert.ok(equalBytes(r.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(await ctx.pendingDeletes.list(), []);
  const rec = await h.realms[2]!.record();
  assert.equal(rec.current!.registrationId, en.registrationId, "the leftover was deleted and the new registration registered");
  h.realms[0]!.faults.down = true;
  assert.ok(equalBytes((await unlock(ctx, NEW)).rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  await assert.rejects(unlock(ctx, OLD), RealmsWrongPasswordError);
});
