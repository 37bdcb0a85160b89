/**
 * What a whole-row replay at ONE realm gains against the threshold client (SECURITY.md
 * "Realms"; spec §6.2, §6.8): the realm's database writer puts back an authentic row from
 * before a password change and before a head advance. The client unlocks with the new
 * password through the other realms, names the replayed realm in its repairs and
 * repairs it; the old password does not come back; the newest authentic head wins.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { generateRootKey } from "@chatvault/format";
import { advanceHead, changePassword, createContext, enable, readHead, unlock } from "@chatvault/vault-protocol/threshold";
import { startTestVault } from "../test-vault.ts";
import { TEST_KSF } from "./test-realm.ts";

test("whole-row replay at one realm: the client names it, repairs it, the old password stays dead, the head stays newest", async (t) => {
  const vaults = await Promise.all([0, 1, 2].map(() => startTestVault(t)));
  const ids = await Promise.all(vaults.map(async (v) => ((await (await fetch(v.url + "/realm/v1/info")).json()) as { realmId: string }).realmId));
  const tokens = await Promise.all(vaults.map((v) => v.token("carol")));
  const realmSet = { threshold: 2, realms: vaults.map((v, i) => ({ id: ids[i]!, url: v.url })) };
  const ctx = () => createContext({ realmSet, accountId: "carol", tokenFor: (r) => tokens[ids.indexOf(r.id)]!, ksf: TEST_KSF, allowWeakKsf: true });
  const rootKey = generateRootKey();
  await enable(ctx(), "old password", rootKey);

  // Realm C's operator keeps a copy of the account's row (authentic: MAC and sealing intact).
  const db = new Database(join(vaults[2]!.dir, "vault.db"));
  t.after(() => db.close());
  const snapshot = db.prepare("SELECT * FROM realm_accounts WHERE account_id = 'carol'").get() as Record<string, unknown>;

  await changePassword(ctx(), "old password", "new password");
  const adv = await advanceHead(ctx(), rootKey, 9, new Uint8Array(32).fill(9));
  assert.ok(adv.accepted >= 2);

  // The replay: the old row back, whole.
  db.prepare(
    `INSERT OR REPLACE INTO realm_accounts (${Object.keys(snapshot).join(", ")}) VALUES (${Object.keys(snapshot)
      .map(() => "?")
      .join(", ")})`,
  ).run(...Object.values(snapshot));
  const rec = (await (await fetch(vaults[2]!.url + "/realm/v1/record", { headers: { authorization: `Bearer ${tokens[2]}` } })).json()) as {
    current: { version: number };
  };
  assert.equal(rec.current.version, 1, "realm C accepts the replayed row (it cannot tell)");

  const head = await readHead(ctx(), rootKey);
  assert.equal(head.head.sequence, 9, "the newest authentic head wins; C is just behind");

  await assert.rejects(
    unlock(ctx(), "old password", { repair: false }),
    { code: "wrong_password" },
    "the old password does not come back with one replayed realm",
  );
  const r = await unlock(ctx(), "new password");
  assert.deepEqual([...r.rootKey.unsafeBytes()], [...rootKey.unsafeBytes()]);
  t.diagnostic(`realm C reported as ${JSON.stringify(r.realms[2])}; repairs ${JSON.stringify(r.repairs)}`);
  assert.deepEqual(
    r.repairs.map((x) => [x.realmId, x.action, x.ok]),
    [[ids[2], "repair", true]],
    "the replayed realm is named and repaired",
  );
  const after = (await (await fetch(vaults[2]!.url + "/realm/v1/record", { headers: { authorization: `Bearer ${tokens[2]}` } })).json()) as {
    current: { version: number };
  };
  assert.equal(after.current.version, 2, "and repaired to the current registration");
});
