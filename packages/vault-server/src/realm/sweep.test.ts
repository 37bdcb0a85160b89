/**
 * The realm sweep (spec §9): expired attempts are removed and stay counted (abandoning
 * phase 3 never refunds a guess); a spent budget is destroyed in the background. Driven
 * on the operations directly with a manual clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { fromBase64Url, utf8 } from "@chatvault/format";
import { oprfInput, voprf } from "../../../vault-protocol/src/threshold/derive.ts";
import { stretchPassword } from "../../../vault-protocol/src/threshold/ksf.ts";
import { ManualClock } from "../clock.ts";
import { createLogger } from "../logger.ts";
import { Metrics } from "../metrics.ts";
import { resolvePolicy } from "../policy.ts";
import { VaultSecrets } from "../sealing/vault-secrets.ts";
import { register } from "./admin.ts";
import type { RealmContext } from "./context.ts";
import { evaluate, unlock } from "./recover.ts";
import { SqliteRealmStore } from "./sqlite-store.ts";
import { RealmStateCodec } from "./state.ts";
import { sweepRealm } from "./sweep.ts";
import { RealmDriver, buildRegistration } from "./test-realm.ts";
import { readRecord } from "./view.ts";

test("sweep: expired pending attempts are removed and stay spent; an exhausted account is destroyed", async (t) => {
  const dir = tempDir(t);
  const store = new SqliteRealmStore(join(dir, "vault.db"));
  await store.migrate();
  t.after(() => store.close());
  const realmId = randomBytes(16).toString("base64url");
  const clock = new ManualClock(Date.now());
  const ctx: RealmContext = {
    store,
    codec: new RealmStateCodec(new VaultSecrets("unused", randomBytes(32), realmId)),
    policy: resolvePolicy({ maxAttempts: 3, failureBudget: 3 }),
    clock,
    realmId,
    realmIdBytes: fromBase64Url(realmId),
    allowWeakKsf: true,
    log: createLogger({ level: "silent" }),
    metrics: new Metrics(),
  };
  const reg = await buildRegistration([new RealmDriver("http://unused", realmId, "")], 1, "alice", "pw");
  await register(ctx, "alice", reg.registrations[0]!);
  const info = (await readRecord(ctx, "alice")).current!;
  const input = oprfInput("alice", await stretchPassword(utf8("wrong"), fromBase64Url(info.salt), { algorithm: "argon2id", ...info.ksf }));
  const blinded = () => Buffer.from(voprf.blind(input).blinded).toString("base64url");
  const ref = { version: info.version, registrationId: info.registrationId };
  const a1 = await evaluate(ctx, "alice", { ...ref, blinded: blinded() });
  await evaluate(ctx, "alice", { ...ref, blinded: blinded() });
  const count = () => (new Database(join(dir, "vault.db"), { readonly: true }).prepare("SELECT count(*) AS n FROM realm_attempts").get() as { n: number }).n;
  assert.equal(count(), 2);
  assert.deepEqual(await sweepRealm(ctx), { attemptsRemoved: 0, destroyed: 0 }, "nothing expired yet");
  clock.advance(61_000);
  assert.deepEqual(await sweepRealm(ctx), { attemptsRemoved: 2, destroyed: 0 });
  assert.equal(count(), 0);
  await assert.rejects(unlock(ctx, "alice", { attemptId: a1.attemptId, unlockTag: "A".repeat(43) }), { code: "attempt_expired" });
  assert.equal((await readRecord(ctx, "alice")).attemptsRemaining, 1, "the two abandoned attempts stay spent");

  await evaluate(ctx, "alice", { ...ref, blinded: blinded() }); // the budget of 3 is spent
  assert.deepEqual(await sweepRealm(ctx), { attemptsRemoved: 0, destroyed: 0 }, "the last attempt may still succeed");
  clock.advance(61_000);
  assert.deepEqual(await sweepRealm(ctx), { attemptsRemoved: 1, destroyed: 1 });
  const rec = await readRecord(ctx, "alice");
  assert.equal(rec.state, "destroyed");
  assert.equal(rec.current, null);
});
