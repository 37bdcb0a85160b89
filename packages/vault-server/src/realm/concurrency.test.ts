/**
 * Count before answer, under concurrency (spec/threshold-vault.md §5.4):
 * 200 parallel wrong guesses (phase-2 requests) against EACH of 3 realm processes release
 * at most maxAttempts = 5 evaluations per realm. Realm A: SQLite; realm B: PostgreSQL with
 * 2 processes on one database; realm C: SQLite with 2 processes on one file, sealed by
 * SoftHSM2.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { fromBase64Url, utf8 } from "@chatvault/format";
import { oprfInput, voprf } from "../../../vault-protocol/src/threshold/derive.ts";
import { stretchPassword } from "../../../vault-protocol/src/threshold/ksf.ts";
import { REALM_PATHS } from "./protocol.ts";
import { startRealms } from "./realm-processes.ts";
import { buildRegistration } from "./test-realm.ts";

const N = 200;

test("200 parallel wrong phase-2 guesses at each of 3 realm processes → at most 5 evaluations released per realm", async (t) => {
  const realms = await startRealms(t, [{ database: "sqlite" }, { database: "postgres", processes: 2 }, { database: "sqlite", processes: 2, sealer: "pkcs11" }]);
  if (!realms) return;
  const drivers = await Promise.all(realms.map((r) => r.driver("alice")));
  const reg = await buildRegistration(drivers, 2, "alice", "the real password");
  for (const [i, d] of drivers.entries()) assert.equal((await d.register(reg.registrations[i]!)).status, 200);
  const info = (await drivers[0]!.record()).body.current!;
  const stretched = await stretchPassword(utf8("a wrong guess"), fromBase64Url(info.salt), { algorithm: "argon2id", ...info.ksf });
  const input = oprfInput("alice", stretched);
  const tokens = await Promise.all(realms.map((r) => r.token("alice")));

  const t0 = performance.now();
  const results = await Promise.all(
    realms.map(async (realm, ri) => {
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: N }, async (_x, i) => {
          const node = realm.nodes[i % realm.nodes.length]!;
          const body = JSON.stringify({
            version: info.version,
            registrationId: info.registrationId,
            blinded: Buffer.from(voprf.blind(input).blinded).toString("base64url"),
          });
          const res = await fetch(node.url + REALM_PATHS.evaluate, {
            method: "POST",
            body,
            headers: { "content-type": "application/json", authorization: `Bearer ${tokens[ri]}` },
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      const count: Record<number, number> = {};
      for (const s of statuses) count[s] = (count[s] ?? 0) + 1;
      return { count, ms: performance.now() - started };
    }),
  );
  const total = performance.now() - t0;
  const names = ["A sqlite", "B postgres×2", "C sqlite×2+softhsm"];
  for (const [i, r] of results.entries()) {
    t.diagnostic(
      `realm ${names[i]}: released ${r.count[200] ?? 0}, locked ${r.count[423] ?? 0}, other ${JSON.stringify(Object.fromEntries(Object.entries(r.count).filter(([k]) => k !== "200" && k !== "423")))} in ${r.ms.toFixed(0)} ms`,
    );
    assert.ok((r.count[200] ?? 0) <= 5, `realm ${names[i]} released at most 5 evaluations`);
    assert.equal(r.count[200], 5, `realm ${names[i]}: exactly maxAttempts were counted and released`);
    // Every other request is refused as locked; on a loaded machine a few may instead wait
    // out the database's busy timeout (503 unavailable) — also without an evaluation.
    assert.equal((r.count[423] ?? 0) + (r.count[503] ?? 0), N - 5, `realm ${names[i]}: every other request refused (423, or 503 under contention)`);
  }
  t.diagnostic(`3 × ${N} requests in ${total.toFixed(0)} ms`);
  const hsm = new Database(realms[2]!.sqlitePath!, { readonly: true });
  assert.equal(
    (hsm.prepare("SELECT sealer_kind FROM vault_secrets").get() as { sealer_kind: string }).sealer_kind,
    "pkcs11",
    "realm C is sealed by the SoftHSM2 token",
  );
  hsm.close();
  // /metrics of each process agrees: released + locked over the realm's processes.
  for (const [i, realm] of realms.entries()) {
    let released = 0;
    let locked = 0;
    for (const n of realm.nodes) {
      const m = await (await fetch(n.url + "/metrics")).text();
      released += Number(/realm_evaluations_total\{outcome="released"\} (\d+)/.exec(m)?.[1] ?? 0);
      locked += Number(/realm_evaluations_total\{outcome="locked"\} (\d+)/.exec(m)?.[1] ?? 0);
    }
    assert.deepEqual([released, locked], [5, results[i]!.count[423] ?? 0], `realm ${names[i]}: /metrics counts`);
  }
  // The counts are what the realms stored: each realm reports 0 attempts left and a lock.
  for (const d of drivers) {
    const rec = (await d.record()).body;
    assert.equal(rec.attemptsRemaining, 0);
    assert.ok(rec.lockedUntil !== null);
  }
});
