/**
 * THE OFFLINE ATTACK on real realm data (spec/threshold-vault.md §11).
 * Three realms run as separate processes (A: SQLite + key file, B: PostgreSQL + key file,
 * C: SQLite + SoftHSM2); the threshold client enables a 2-of-3 registration for a password
 * from the dictionary; the realms are stopped. The attacker then gets everything ONE realm
 * holds — its database (file, or a dump of its PostgreSQL database), its sealing key (key
 * file, or the HSM with its PIN), its logs — unseals the rows (the PostgreSQL realm from a pg_dump restored elsewhere) with the vault's own code and
 * runs the client helper's attacker with the dictionary: no candidate may verify. With TWO
 * realms' data the same attacker finds the password (positive control).
 */
import { test, type TestContext } from "node:test";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { generateRootKey } from "@chatvault/format";
import { createContext, enable, unlock, type Registration } from "@chatvault/vault-protocol/threshold";
import { ATTACK_DICTIONARY, offlineAttack } from "@chatvault/vault-protocol/threshold/testing";
import { openMigratedVaultStore } from "../store/open.ts";
import { loadVaultSecrets } from "../sealing/vault-secrets.ts";
import type { DatabaseConfig } from "../config.ts";
import type { SealerConfig } from "../sealing/sealer.ts";
import { createTestDatabase } from "../test-vault.ts";
import { openRealmStore } from "./open.ts";
import { startRealms, SOFTHSM_MODULE, type RealmUnderTest } from "./realm-processes.ts";
import { RealmStateCodec, type RegistrationInfo, type RegistrationSecret } from "./state.ts";
import { TEST_KSF } from "./test-realm.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PASSWORD = "hunter2";
const ACCOUNT = "alice@example.org";

/** Everything one stopped realm holds for the account, unsealed with the vault's own code. */
async function loot(t: TestContext, realm: RealmUnderTest): Promise<{ realmId: string; registrations: Registration[]; logs: string[] }> {
  let database: DatabaseConfig = { kind: "sqlite", path: realm.sqlitePath! };
  if (realm.postgresUrl) {
    // What the attacker gets is a dump, restored into a database of its own.
    const dump = join(realm.dir, "realm.sql");
    execFileSync("pg_dump", ["--no-owner", "-d", realm.postgresUrl, "-f", dump]);
    const restored = await createTestDatabase(t);
    execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-d", restored, "-f", dump], { stdio: ["ignore", "ignore", "pipe"] });
    database = { kind: "postgres", url: restored };
  }
  const sealer: SealerConfig = realm.keyFile
    ? { kind: "keyfile", path: realm.keyFile }
    : { kind: "pkcs11", module: SOFTHSM_MODULE, tokenLabel: "realm", pin: "1234" };
  const previousConf = process.env.SOFTHSM2_CONF;
  if (!realm.keyFile) process.env.SOFTHSM2_CONF = join(realm.dir, "softhsm2.conf");
  const vaultStore = await openMigratedVaultStore(database);
  const store = await openRealmStore(database);
  try {
    const { secrets, sealer: s } = await loadVaultSecrets(vaultStore, sealer);
    await s.close();
    const codec = new RealmStateCodec(secrets);
    const row = codec.verify((await store.getAccount(ACCOUNT))!);
    const registrations: Registration[] = [];
    for (const [json, sealed] of [
      [row.currentInfo, row.currentSealed],
      [row.nextInfo, row.nextSealed],
    ] as const) {
      if (!json || !sealed) continue;
      const info = JSON.parse(json) as RegistrationInfo;
      const secret: RegistrationSecret = codec.openSecret(ACCOUNT, info, sealed);
      registrations.push({ ...info, ...secret, realmId: secrets.realmId() });
    }
    return { realmId: secrets.realmId(), registrations, logs: realm.logs() };
  } finally {
    await store.close();
    await vaultStore.close();
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
  }
}

test("offline attack on real realm data: one realm's database + key + logs identify nothing; two realms' find the password", async (t) => {
  assert.ok(ATTACK_DICTIONARY.includes(PASSWORD));
  const realms = await startRealms(t, [{ database: "sqlite" }, { database: "postgres" }, { database: "sqlite", sealer: "pkcs11" }]);
  if (!realms) return;
  const tokens = await Promise.all(realms.map((r) => r.token(ACCOUNT)));
  const realmSet = { threshold: 2, realms: realms.map((r) => ({ id: r.realmId, url: r.nodes[0]!.url })) };
  const ctx = createContext({
    realmSet,
    accountId: ACCOUNT,
    tokenFor: (r) => tokens[realmSet.realms.findIndex((x) => x.id === r.id)]!,
    ksf: TEST_KSF,
    allowWeakKsf: true,
  });
  const rootKey = generateRootKey();
  await enable(ctx, PASSWORD, rootKey);
  // A wrong guess and a right one first, so the logs hold a realistic history.
  await assert.rejects(unlock(ctx, "not the password"), { code: "wrong_password" });
  const back = await unlock(ctx, PASSWORD);
  assert.deepEqual([...back.rootKey.unsafeBytes()], [...rootKey.unsafeBytes()]);
  for (const r of realms) await r.kill();

  const loots = [];
  for (const r of realms) loots.push(await loot(t, r));
  for (const l of loots) assert.equal(l.registrations.length, 1, "each realm holds the current registration, unsealed");

  // The logs hold none of the secret parts (nor the password).
  for (const [i, l] of loots.entries()) {
    const text = l.logs.join("\n");
    assert.ok(text.length > 0, `realm ${i + 1} wrote logs`);
    const r = l.registrations[0]!;
    for (const secret of [PASSWORD, r.oprfKeyShare, r.unlockTag, r.wrapShare, r.shareTag, r.unlockCheck, r.wrappedRootKey]) {
      assert.ok(!text.includes(secret), `realm ${i + 1}'s logs do not contain a secret part`);
    }
  }

  // Nor does realm A's database file hold a secret part in the clear (sealed under the record key).
  const path = realms[0]!.sqlitePath!;
  const file = Buffer.concat([readFileSync(path), ...(existsSync(path + "-wal") ? [readFileSync(path + "-wal")] : [])]);
  const r0 = loots[0]!.registrations[0]!;
  assert.notEqual(file.indexOf(Buffer.from(r0.oprfPublicShare)), -1, "the scan sees the account's row (its public share is there)");
  for (const secret of [r0.oprfKeyShare, r0.unlockTag, r0.wrapShare, r0.shareTag, r0.unlockCheck, r0.wrappedRootKey]) {
    assert.equal(file.indexOf(Buffer.from(secret)), -1, "not as base64url");
    assert.equal(file.indexOf(Buffer.from(secret, "base64url")), -1, "not as raw bytes");
  }

  const names = ["A (SQLite, key file)", "B (PostgreSQL, key file)", "C (SQLite, SoftHSM2)"];
  for (const [i, l] of loots.entries()) {
    const t0 = performance.now();
    const report = await offlineAttack([l], { accountId: ACCOUNT, dictionary: ATTACK_DICTIONARY });
    t.diagnostic(`one realm ${names[i]}: ${report.trials} trials, ${report.hits.length} hits in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.ok(report.trials >= ATTACK_DICTIONARY.length, "the attacker really tried every candidate");
    assert.deepEqual(report.hits, [], `realm ${names[i]} alone cannot tell the password`);
  }
  // Positive control: any two realms (t = 2) are enough.
  for (const pair of [
    [0, 1],
    [1, 2],
    [0, 2],
  ] as const) {
    const report = await offlineAttack([loots[pair[0]]!, loots[pair[1]]!], { accountId: ACCOUNT, dictionary: ATTACK_DICTIONARY });
    const found = new Set(report.hits.map((h) => h.password));
    t.diagnostic(
      `realms ${pair.map((p) => names[p]).join(" + ")}: ${report.trials} trials, hits for ${[...found].join(", ")} (${report.hits.length} tests verified)`,
    );
    assert.deepEqual([...found], [PASSWORD], "two realms' data identify the password, and only it");
    assert.ok(
      report.hits.some((h) => h.test === "wrappedRootKey"),
      "and open the wrapped root key",
    );
  }
});
