/**
 * Property of a warm context's unlock (spec/threshold-vault.md §6.2.1): after one successful
 * unlock, for random t ≤ n ≤ 5 and random realms down, misbehaving or speaking only
 * chatvault-realm/2, the next unlock — which sends `recover/start` to the realms that gave K —
 * decides exactly as a fresh context does (K iff ≥ t honest realms are up), every realm spends
 * at most one attempt in it, and with every realm honest and up only t realms spend one, all
 * through `start`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { equalBytes } from "@chatvault/format";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { RealmMisbehavedError, RealmsUnavailableError, RealmsWrongPasswordError } from "./errors.ts";
import { thresholdHarness } from "./testing/harness.ts";
import type { RealmFaults } from "./testing/realm-faults.ts";

const FAULTS = ["badEvaluation", "badProof", "liePublicShare", "badShare", "badUnlockCheck"] as const;

test("a warm unlock decides as a cold one, spends at most one attempt per realm, and only t when all are honest", { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 5 })
        .chain((n) =>
          fc.tuple(
            fc.integer({ min: 1, max: n }),
            fc.array(fc.constantFrom("ok", "down", ...FAULTS), { minLength: n, maxLength: n }),
            fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          ),
        ),
      async ([t, roles, v2Only]) => {
        const n = roles.length;
        const h = thresholdHarness(t, n);
        await enable(h.context(), "pw", h.rootKey);
        const ctx = h.context();
        v2Only.forEach((v, k) => (h.realms[k]!.faults.v2Only = v));
        await unlock(ctx, "pw", { repair: false }); // warm: remembers the registration and the t realms that gave K
        roles.forEach((role, k) => {
          if (role === "down") h.realms[k]!.faults.down = true;
          else if (role !== "ok") h.realms[k]!.faults[role as keyof RealmFaults] = true as never;
        });
        const before = h.realms.map((r) => r.evaluations);
        const starts = h.realms.map((r) => r.startEvaluations);
        const honest = roles.filter((r) => r === "ok" || r === "badProof").length;
        try {
          const res = await unlock(ctx, "pw", { repair: false });
          assert.ok(honest >= t, `unlocked with only ${honest} honest of t=${t}: ${roles}`);
          assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
          if (roles.every((r) => r === "ok")) {
            assert.equal(
              h.realms.reduce((a, r, k) => a + r.evaluations - before[k]!, 0),
              t,
              `all honest and up: only t realms spend an attempt (${roles})`,
            );
            const v3First = v2Only.slice(0, t).filter((v) => !v).length;
            assert.equal(
              h.realms.reduce((a, r, k) => a + r.startEvaluations - starts[k]!, 0),
              v3First,
              `the v3 realms among the t that gave K evaluated at start (${v2Only})`,
            );
          }
        } catch (e) {
          assert.ok(honest < t, `failed with ${honest} honest ≥ t=${t}: ${roles} (v2 only: ${v2Only}): ${String(e)}`);
          assert.ok(e instanceof RealmsUnavailableError || e instanceof RealmMisbehavedError || e instanceof RealmsWrongPasswordError, String(e));
        }
        h.realms.forEach((r, k) => assert.ok(r.evaluations - before[k]! <= 1, `realm ${k + 1} spent ${r.evaluations - before[k]!} attempts (${roles})`));
      },
    ),
    { numRuns: 100 },
  );
});
