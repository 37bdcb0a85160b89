/**
 * Availability and misbehaviour at the process level (spec/threshold-vault.md
 * §6, §12), with the threshold client over HTTP against 3 realm processes (A: SQLite,
 * B: PostgreSQL, C: SQLite): one realm killed or frozen → unlock works and names it; two
 * killed → `realms_unavailable` naming both, the answering realm spent at most one guess;
 * a realm killed between prepare and commit of a password change, or the client dying
 * there → old or new password works, never neither, and the next operation finishes or
 * rolls back the change.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateRootKey, type RootKey } from "@chatvault/format";
import { changePassword, createContext, enable, unlock, type ThresholdContext } from "@chatvault/vault-protocol/threshold";
import { startRealms, type RealmUnderTest } from "./realm-processes.ts";
import { TEST_KSF } from "./test-realm.ts";

const ACCOUNT = "bob";

async function setup(t: TestContext): Promise<{ realms: RealmUnderTest[]; ctx: () => ThresholdContext; rootKey: RootKey } | null> {
  const realms = await startRealms(t, [{ database: "sqlite" }, { database: "postgres" }, { database: "sqlite" }]);
  if (!realms) return null;
  const tokens = await Promise.all(realms.map((r) => r.token(ACCOUNT)));
  const realmSet = { threshold: 2, realms: realms.map((r) => ({ id: r.realmId, url: r.nodes[0]!.url })) };
  // A fresh client context per operation, as a new app session would have.
  const ctx = () =>
    createContext({
      realmSet,
      accountId: ACCOUNT,
      tokenFor: (r) => tokens[realmSet.realms.findIndex((x) => x.id === r.id)]!,
      ksf: TEST_KSF,
      allowWeakKsf: true,
      timeoutMs: 3000,
    });
  const rootKey = generateRootKey();
  await enable(ctx(), "first password", rootKey);
  return { realms, ctx, rootKey };
}

const same = (a: RootKey, b: RootKey) => assert.deepEqual([...a.unsafeBytes()], [...b.unsafeBytes()]);
const attemptsAt = async (r: RealmUnderTest) => (await (await r.driver(ACCOUNT)).record()).body.attemptsRemaining;

test("one realm killed → unlock works and names it; two killed → realms_unavailable naming both, one guess spent at most", async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { realms, ctx, rootKey } = s;
  await realms[2]!.kill();
  const t0 = performance.now();
  const r = await unlock(ctx(), "first password", { repair: false });
  t.diagnostic(`unlock with realm C killed: ${(performance.now() - t0).toFixed(0)} ms`);
  same(r.rootKey, rootKey);
  assert.deepEqual(
    r.realms.map((x) => x.status),
    ["ok", "ok", "unreachable"],
  );
  assert.equal(r.realms[2]!.id, realms[2]!.realmId, "the report names the dead realm");

  await realms[1]!.kill();
  const before = await attemptsAt(realms[0]!);
  const e = await unlock(ctx(), "first password").then(
    () => null,
    (x: unknown) => x as { code: string; missing: Array<{ id: string; status: string }> },
  );
  assert.equal(e?.code, "realms_unavailable");
  assert.deepEqual(e!.missing.map((m) => m.id).sort(), [realms[1]!.realmId, realms[2]!.realmId].sort(), "the error names both missing realms");
  const spent = before - (await attemptsAt(realms[0]!));
  t.diagnostic(`the answering realm spent ${spent} guess(es)`);
  assert.ok(spent <= 1, "the realm that answered spent at most one guess");
});

test("a frozen realm (SIGSTOP) → unlock works within the timeout and names it", async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { realms, ctx, rootKey } = s;
  for (const n of realms[0]!.nodes) n.proc.kill("SIGSTOP");
  t.after(() => realms[0]!.nodes.forEach((n) => n.proc.kill("SIGCONT")));
  const t0 = performance.now();
  const r = await unlock(ctx(), "first password", { repair: false });
  t.diagnostic(`unlock with realm A frozen: ${(performance.now() - t0).toFixed(0)} ms (client timeout 3000 ms)`);
  same(r.rootKey, rootKey);
  assert.equal(r.realms[0]!.status, "unreachable");
  for (const n of realms[0]!.nodes) n.proc.kill("SIGCONT");
});

test("password change: a realm killed between prepare and commit → the new password works, never neither; the next unlock finishes the change there", async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { realms, ctx, rootKey } = s;
  await changePassword(ctx(), "first password", "second password", {
    afterStep: async (step) => {
      if (step === "prepared") await realms[2]!.kill(); // C holds v1 current + v2 next, and is gone
    },
  });
  const c = (await unlock(ctx(), "second password", { repair: false })).rootKey;
  same(c, rootKey);
  await assert.rejects(
    unlock(ctx(), "first password", { repair: false }),
    (e: { code: string }) => e.code === "wrong_password" || e.code === "realms_unavailable",
  );
  await realms[2]!.restart();
  const rec = (await (await realms[2]!.driver(ACCOUNT)).record()).body;
  assert.equal(rec.current?.version, 1, "C missed the commit");
  assert.equal(rec.next?.version, 2);
  const r = await unlock(ctx(), "second password");
  same(r.rootKey, rootKey);
  t.diagnostic(`repairs after restart: ${JSON.stringify(r.repairs)}`);
  const after = (await (await realms[2]!.driver(ACCOUNT)).record()).body;
  assert.equal(after.current?.version, 2, "the next operation finished the change at C");
  assert.equal(after.next, null);
});

test("password change: the client dies between prepare and commit → both passwords work; the next unlock with the old one rolls the change back", async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { realms, ctx, rootKey } = s;
  const crash = new Error("client crashed after prepare");
  await assert.rejects(
    changePassword(ctx(), "first password", "second password", {
      afterStep: (step) => {
        if (step === "prepared") throw crash;
      },
    }),
    (e) => e === crash,
  );
  for (const r of realms) {
    const rec = (await (await r.driver(ACCOUNT)).record()).body;
    assert.deepEqual([rec.current?.version, rec.next?.version], [1, 2], "prepared everywhere, committed nowhere");
  }
  same((await unlock(ctx(), "second password", { repair: false })).rootKey, rootKey);
  const old = await unlock(ctx(), "first password");
  same(old.rootKey, rootKey);
  t.diagnostic(`repairs: ${JSON.stringify(old.repairs)}`);
  for (const r of realms) {
    const rec = (await (await r.driver(ACCOUNT)).record()).body;
    assert.deepEqual([rec.current?.version, rec.next], [1, null], "the incomplete change was aborted");
  }
  await assert.rejects(unlock(ctx(), "second password", { repair: false }), { code: "wrong_password" });
});
