/**
 * The client's logic against in-memory fake realms (spec/threshold-vault.md §6):
 * any t of n, misbehaving realms named and skipped, fewer than t, locks, repair.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes, toBase64Url } from "@chatvault/format";
import { ed25519 } from "@noble/curves/ed25519.js";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { changePassword } from "./change-password.ts";
import { advanceHead, readHead } from "./head.ts";
import { status } from "./status.ts";
import {
  RealmMisbehavedError,
  RealmProtocolError,
  RealmsDestroyedError,
  RealmsLockedError,
  RealmsNotEnabledError,
  RealmsUnavailableError,
  RealmsWrongPasswordError,
} from "./errors.ts";
import { WrongPasswordError } from "../errors.ts";
import { thresholdHarness, type Harness } from "./testing/harness.ts";
import type { FakeRealm } from "./testing/fake-realm.ts";
import { subsetsOf } from "./shamir.ts";
import { defaultArgon2id, type Argon2idFunction } from "./ksf.ts";

const PW = "correct horse battery staple";

async function enabled(t = 2, n = 3): Promise<Harness> {
  const h = thresholdHarness(t, n);
  const r = await enable(h.context(), PW, h.rootKey);
  assert.equal(r.stored.length, n);
  return h;
}

test("unlock works with every t-subset of realms up (2-of-3, 3-of-5) and reports the others", async () => {
  for (const [t, n] of [
    [2, 3],
    [3, 5],
    [1, 1],
    [1, 2],
  ] as const) {
    const h = await enabled(t, n);
    for (const up of subsetsOf([...Array(n).keys()], t)) {
      h.realms.forEach((r, k) => (r.faults.down = !up.includes(k)));
      const res = await unlock(h.context(), PW, { repair: false });
      assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()), `t=${t} n=${n} up=${up}`);
      assert.deepEqual(
        res.realms.map((r) => r.status),
        h.realms.map((_, k) => (up.includes(k) ? "ok" : "unreachable")),
      );
    }
  }
});

test("a wrong password is wrong_password with the t-th largest attempts left; every realm spent one attempt", async () => {
  const h = await enabled();
  await assert.rejects(unlock(h.context(), "wrong"), (e: unknown) => {
    assert.ok(e instanceof RealmsWrongPasswordError && e instanceof WrongPasswordError);
    assert.equal(e.attemptsRemaining, 4);
    assert.equal(e.realms.length, 3);
    return true;
  });
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [1, 1, 1],
  );
  // The right password resets every realm's count.
  await unlock(h.context(), PW);
  const s = await status(h.context());
  assert.equal(s.attemptsRemaining, 5);
});

for (const fault of ["badEvaluation", "liePublicShare", "badShare", "badUnlockCheck", "badWrappedKey"] as const) {
  test(`a realm with ${fault} is named and skipped while t honest remain; with two, realm_misbehaved`, async () => {
    // Realms 1 and 2 are asked first (§6.3); realm 3 too when a failure on its count is to be reset: a
    // wrong password first (every realm spends one attempt), then realm 3 turns faulty.
    for (const bad of [0, 1, 2]) {
      const h = await enabled();
      if (bad === 2) await assert.rejects(unlock(h.context(), "wrong", { repair: false }), RealmsWrongPasswordError);
      h.realms[bad]!.faults[fault] = true;
      const res = await unlock(h.context(), PW, { repair: false });
      assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
      const r = res.realms[bad]!;
      assert.equal(r.status, "misbehaved", `${fault} at ${bad}: ${JSON.stringify(res.realms)}`);
      const expected = {
        badEvaluation: ["bad_proof"],
        liePublicShare: ["bad_proof", "bad_unlock_check"],
        badShare: ["bad_share"],
        badUnlockCheck: ["bad_unlock_check"],
        badWrappedKey: ["bad_wrapped_key"],
      }[fault];
      assert.ok(expected.includes(r.reason!), `${fault}: got ${r.reason}`);
      assert.deepEqual(res.realms.filter((x) => x.status === "ok").length, 2);
    }
    {
      // While realms 1 and 2 give K, realm 3 is not asked for an attempt: its fault does not show.
      const h = await enabled();
      h.realms[2]!.faults[fault] = true;
      const res = await unlock(h.context(), PW, { repair: false });
      assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
      assert.deepEqual(
        res.realms.map((r) => r.status),
        ["ok", "ok", "ok"],
      );
      assert.deepEqual(
        h.realms.map((r) => r.evaluations),
        [1, 1, 0],
      );
    }
    const h = await enabled();
    h.realms[0]!.faults[fault] = true;
    h.realms[2]!.faults[fault] = true;
    if (fault === "badWrappedKey") {
      // E is the same everywhere: one honest copy and t valid shares suffice; the bad copy met is named
      // (realm 3 is not asked: realms 1 and 2 gave t valid shares and an E that opens, §6.3).
      const res = await unlock(h.context(), PW, { repair: false });
      assert.deepEqual(
        res.realms.map((r) => r.reason),
        ["bad_wrapped_key", undefined, undefined],
      );
      h.realms[1]!.faults[fault] = true;
    }
    // Two colluding realms with self-consistent false public shares are indistinguishable from a wrong
    // password when only one honest realm remains (§11): either error, never K.
    const allowed = fault === "liePublicShare" ? [RealmMisbehavedError, RealmsWrongPasswordError] : [RealmMisbehavedError];
    await assert.rejects(
      unlock(h.context(), PW, { repair: false }),
      (e: unknown) => allowed.some((c) => e instanceof c) && (e as RealmMisbehavedError).realms.length === 3,
    );
  });
}

test("a lying public share is not mistaken for a wrong password (subset search), and a wrong password still is", async () => {
  const h = await enabled(2, 3);
  h.realms[0]!.faults.liePublicShare = true;
  const ok = await unlock(h.context(), PW, { repair: false });
  assert.equal(ok.realms[0]!.status, "misbehaved");
  await assert.rejects(unlock(h.context(), "nope", { repair: false }), RealmsWrongPasswordError);
});

test("proofs are off the happy path: none on success; on a wrong password one per attempt, and a second ask is refused", async () => {
  const h = await enabled();
  await unlock(h.context(), PW, { repair: false });
  assert.deepEqual(
    h.realms.map((r) => r.proofs),
    [0, 0, 0],
  );
  const asked: { realm: FakeRealm; attemptId: string }[] = [];
  const apis = h.realms.map(
    (realm) =>
      new Proxy(realm, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== "function") return v;
          if (prop !== "proof") return v.bind(target);
          return (body: { attemptId: string }) => {
            asked.push({ realm, attemptId: body.attemptId });
            return target.proof(body);
          };
        },
      }),
  );
  await assert.rejects(unlock(h.context({ realmApis: apis }), "wrong", { repair: false }), RealmsWrongPasswordError);
  assert.deepEqual(
    h.realms.map((r) => r.proofs),
    [1, 1, 1],
  );
  // The success asked realms 1 and 2 (§6.3); the wrong password, not accepted by them, every realm.
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [2, 2, 1],
  );
  // Asking again for the same attempt is refused (the first ask settled it): one proof per counted attempt (§5.4.1).
  assert.equal(asked.length, 3);
  for (const { realm, attemptId } of asked) {
    await assert.rejects(realm.proof({ attemptId }), (e: unknown) => (e as { realmCode?: string }).realmCode === "attempt_expired");
  }
  assert.deepEqual(
    h.realms.map((r) => r.proofs),
    [1, 1, 1],
  );
});

test("a wrong password is still told apart from a bad realm, which is named: bad proof, wrong evaluation", async () => {
  for (const fault of ["badProof", "badEvaluation"] as const) {
    const h = await enabled();
    h.realms[1]!.faults[fault] = true;
    await assert.rejects(unlock(h.context(), "wrong", { repair: false }), (e: unknown) => {
      assert.ok(e instanceof RealmsWrongPasswordError, `${fault}: ${String(e)}`);
      assert.deepEqual(
        e.realms.map((r) => [r.status, r.reason]),
        [
          ["ok", undefined],
          ["misbehaved", "bad_proof"],
          ["ok", undefined],
        ],
        fault,
      );
      return true;
    });
  }
  // A right evaluation with a proof that would not verify changes nothing when a subset is accepted (never asked).
  const h = await enabled();
  h.realms[1]!.faults.badProof = true;
  const res = await unlock(h.context(), PW, { repair: false });
  assert.deepEqual(
    res.realms.map((r) => r.status),
    ["ok", "ok", "ok"],
  );
});

test("fewer than t realms: realms_unavailable naming the missing; the answering realm spent exactly one attempt", async () => {
  const h = await enabled();
  // Phase 1 sees three realms; realms 2 and 3 fail before evaluating.
  h.realms[1]!.faults.before = (op) => {
    if (op === "evaluate") throw new Error("crash");
  };
  h.realms[2]!.faults.before = h.realms[1]!.faults.before;
  await assert.rejects(unlock(h.context(), PW), (e: unknown) => {
    assert.ok(e instanceof RealmsUnavailableError);
    assert.equal(e.retryable, true);
    assert.deepEqual(
      e.missing.map((m) => m.id),
      [h.realms[1]!.realmId, h.realms[2]!.realmId],
    );
    return true;
  });
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [1, 0, 0],
  );
  // Known from phase 1 already: nothing is spent.
  h.realms[1]!.faults.down = true;
  h.realms[2]!.faults.down = true;
  await assert.rejects(unlock(h.context(), PW), RealmsUnavailableError);
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [1, 0, 0],
  );
});

test("five wrong passwords lock every realm; the next unlock spends nothing and says until when", async () => {
  const h = await enabled();
  for (let i = 0; i < 5; i++) await assert.rejects(unlock(h.context(), `wrong ${i}`), RealmsWrongPasswordError);
  await assert.rejects(unlock(h.context(), PW), (e: unknown) => {
    assert.ok(e instanceof RealmsLockedError);
    assert.equal(e.retryAfter.getTime(), h.clock.now + 3_600_000);
    return true;
  });
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [5, 5, 5],
  );
  h.clock.now += 3_600_000;
  const res = await unlock(h.context(), PW);
  assert.ok(equalBytes(res.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
});

test("repair: a realm that missed enable (down) is registered by the next unlock and then serves", async () => {
  const h = thresholdHarness(2, 3);
  h.realms[2]!.faults.down = true;
  const en = await enable(h.context(), PW, h.rootKey);
  assert.deepEqual(en.stored.length, 2);
  h.realms[2]!.faults.down = false;
  const res = await unlock(h.context(), PW);
  assert.deepEqual(
    res.repairs.map((r) => [r.action, r.ok]),
    [["register", true]],
  );
  h.realms[0]!.faults.down = true;
  const again = await unlock(h.context(), PW);
  assert.ok(equalBytes(again.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
});

test("a realm rolled back to an old row after a password change is stale, repaired; with knownVersion it is named rolled_back", async () => {
  const h = await enabled();
  const old = h.realms[0]!.snapshot();
  await changePassword(h.context(), PW, "new password");
  h.realms[0]!.restore(old);
  const res = await unlock(h.context({ knownVersion: 2 }), "new password", { repair: false });
  assert.equal(res.realms[0]!.status, "misbehaved");
  assert.equal(res.realms[0]!.reason, "rolled_back");
  // Two realms rolled back (t of them) with knownVersion: the old password must not come back.
  const h2 = await enabled();
  const snaps = h2.realms.map((r) => r.snapshot());
  await changePassword(h2.context(), PW, "new password");
  h2.realms[0]!.restore(snaps[0]!);
  h2.realms[1]!.restore(snaps[1]!);
  await assert.rejects(unlock(h2.context({ knownVersion: 2 }), PW), (e: unknown) => e instanceof RealmMisbehavedError && e.reason === "rolled_back");
  // Without knownVersion the stale realm is repaired.
  const h3 = await enabled();
  const s3 = h3.realms[2]!.snapshot();
  await changePassword(h3.context(), PW, "new password");
  h3.realms[2]!.restore(s3);
  const r3 = await unlock(h3.context(), "new password");
  assert.deepEqual(
    r3.repairs.map((r) => [r.action, r.ok]),
    [["repair", true]],
  );
  assert.equal((await h3.realms[2]!.record()).current!.version, 2);
});

test("head: newest authentic head wins, a forged head is named, advance needs n − t + 1 realms", async () => {
  const h = await enabled();
  const d = new Uint8Array(32).fill(5);
  await advanceHead(h.context(), h.rootKey, 1, d);
  h.realms[2]!.faults.down = true;
  await advanceHead(h.context(), h.rootKey, 2, d);
  h.realms[2]!.faults.down = false;
  h.realms[1]!.faults.forgedHead = true;
  const read = await readHead(h.context(), h.rootKey);
  assert.equal(read.head.sequence, 2);
  assert.equal(read.realms[1]!.reason, "forged_head");
  assert.equal(read.realms[2]!.status, "ok");
  h.realms[1]!.faults.forgedHead = false;
  h.realms[1]!.faults.down = true;
  h.realms[2]!.faults.down = true;
  await assert.rejects(advanceHead(h.context(), h.rootKey, 3, d), RealmsUnavailableError);
});

test("nothing enabled is not_enabled; status reports each realm", async () => {
  const h = thresholdHarness(2, 3);
  await assert.rejects(unlock(h.context(), PW), RealmsNotEnabledError);
  await enable(h.context(), PW, h.rootKey);
  h.realms[1]!.faults.down = true;
  const s = await status(h.context());
  assert.equal(s.state, "active");
  assert.equal(s.reachable, 2);
  assert.equal(s.realms[1]!.status, "unreachable");
  assert.equal(s.attemptsRemaining, 5);
});

test("the lifetime budget spent at every realm: destroyed, never unlockable again", async () => {
  const h = await enabled();
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 5; i++) await assert.rejects(unlock(h.context(), `wrong ${round}.${i}`), RealmsWrongPasswordError);
    h.clock.now += 64 * 3_600_000;
  }
  await assert.rejects(unlock(h.context(), PW), (e: unknown) => e instanceof RealmsDestroyedError && e.destroyed);
  assert.equal((await status(h.context())).state, "destroyed");
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [20, 20, 20],
  );
});

test("a registration with a KSF below the client's floor is refused before any guess is sent", async () => {
  const h = await enabled();
  await assert.rejects(unlock(h.context({ allowWeakKsf: false }), PW), (e: unknown) => e instanceof RealmProtocolError && /weaker/.test(e.message));
  assert.deepEqual(
    h.realms.map((r) => r.evaluations),
    [0, 0, 0],
  );
});

test("a K whose head or admin public key differs from the registration's is refused (§6.4, §13)", async () => {
  for (const field of ["headPublicKey", "adminPublicKey"] as const) {
    const h = await enabled();
    // Every realm reports the same foreign key (a group still forms); E still opens to K.
    const foreign = toBase64Url(ed25519.getPublicKey(new Uint8Array(32).fill(9)));
    for (const r of h.realms) {
      const s = JSON.parse(r.snapshot()) as { current: Record<string, unknown> };
      s.current[field] = foreign;
      r.restore(JSON.stringify(s));
    }
    await assert.rejects(unlock(h.context(), PW, { repair: false }), (e: unknown) => e instanceof RealmProtocolError && /head or admin key/.test(e.message));
  }
});

test("a context that unlocked stretches early for that registration; after a password change the early guess is dropped", async () => {
  const h = await enabled();
  // chatvault-realm/2 realms: phase 1 is /record everywhere, and the early guess overlaps it (start.test.ts covers v3).
  for (const r of h.realms) r.faults.v2Only = true;
  const log: string[] = [];
  const argon2: Argon2idFunction = async (i) => {
    log.push(`stretch ${toBase64Url(i.salt)}`);
    return defaultArgon2id(i);
  };
  // /record answers after 20 ms, as over a network: an early guess starts while it is in flight.
  const apis = h.realms.map(
    (realm) =>
      new Proxy(realm, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== "function") return v;
          if (prop !== "record") return v.bind(target);
          return async () => {
            await new Promise((r) => setTimeout(r, 20));
            log.push("record");
            return target.record();
          };
        },
      }),
  );
  const ctx = h.context({ argon2, realmApis: apis });
  await unlock(ctx, PW, { repair: false }); // no early guess yet: one stretch, after phase 1
  assert.deepEqual(log.slice(0, 3), ["record", "record", "record"]);
  const first = log[3]!;
  assert.equal(log.length, 4);
  log.length = 0;
  const again = await unlock(ctx, PW, { repair: false }); // stretched before phase 1 answered, and used
  assert.ok(equalBytes(again.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.deepEqual(log, [first, "record", "record", "record"]);
  await changePassword(ctx, PW, "a new password");
  log.length = 0;
  // The early guess is for the old registration's salt: dropped, the new registration's computed.
  const changed = await unlock(ctx, "a new password", { repair: false });
  assert.ok(equalBytes(changed.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  assert.equal(log[0], first);
  assert.equal(log.length, 5);
  assert.notEqual(log[4], first);
  // A wrong password through an early guess is still wrong_password.
  await assert.rejects(unlock(ctx, "wrong", { repair: false }), RealmsWrongPasswordError);
});
