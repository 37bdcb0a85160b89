/**
 * Property of the whole client against fake realms (spec/threshold-vault.md §6, §12): for
 * random t ≤ n ≤ 5, random realms down and random misbehaving realms, unlock returns K
 * exactly when at least t realms with right evaluations are up, and then names every
 * misbehaving realm it asked for an attempt (only t when the first t give K); otherwise it throws a typed error and never returns a key.
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

test("unlock succeeds iff ≥ t honest realms are up, naming every misbehaving one it asked; else a typed error", { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 5 })
        .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.array(fc.constantFrom("ok", "down", ...FAULTS), { minLength: n, maxLength: n }))),
      async ([t, roles]) => {
        const n = roles.length;
        const h = thresholdHarness(t, n);
        await enable(h.context(), "pw", h.rootKey);
        roles.forEach((role, k) => {
          if (role === "down") h.realms[k]!.faults.down = true;
          else if (role !== "ok") h.realms[k]!.faults[role as keyof RealmFaults] = true as never;
        });
        // A realm whose evaluation is right but whose proof would not verify is harmless when a subset is
        // accepted (its proof is never asked, §6.3): it counts as honest here and is reported ok.
        const honest = roles.filter((r) => r === "ok" || r === "badProof").length;
        try {
          const res = await unlock(h.context(), "pw", { repair: false });
          assert.ok(honest >= t, `unlocked with only ${honest} honest of t=${t}: ${roles}`);
          assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
          // A misbehaving realm is named when it was asked for an attempt; realms beyond the first t are
          // asked only when those do not give K (§6.3), so one never asked reports what phase 1 saw: ok.
          roles.forEach((role, k) => {
            const asked = h.realms[k]!.evaluations > 0;
            const want = role === "ok" || role === "badProof" ? "ok" : role === "down" ? "unreachable" : asked ? "misbehaved" : "ok";
            assert.equal(res.realms[k]!.status, want, `${roles} realm ${k + 1}`);
          });
          if (roles.every((r) => r === "ok")) {
            assert.equal(
              h.realms.reduce((a, r) => a + r.evaluations, 0),
              t,
              `all honest and up: only t realms spend an attempt (${roles})`,
            );
          }
        } catch (e) {
          assert.ok(honest < t, `failed with ${honest} honest ≥ t=${t}: ${roles}: ${String(e)}`);
          assert.ok(e instanceof RealmsUnavailableError || e instanceof RealmMisbehavedError || e instanceof RealmsWrongPasswordError, String(e));
          // A right password can look wrong only when fewer than t honest realms answered and the others lie
          // about their public share or the unlock check — the check is the only password oracle (§11 limit).
          if (e instanceof RealmsWrongPasswordError) assert.ok(roles.includes("liePublicShare") || roles.includes("badUnlockCheck"), `${roles}`);
        }
      },
    ),
    { numRuns: 100 },
  );
});
