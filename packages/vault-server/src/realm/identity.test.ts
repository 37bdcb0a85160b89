/**
 * The realm ID (spec/threshold-vault.md §2.1): made at first start, kept inside the sealed
 * vault secrets, the same after a restart; a secrets blob written before realms existed
 * gets one added and re-sealed, and everything it held keeps working.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { equalBytes, generateRootKey } from "@chatvault/format";
import { openSealer } from "../sealing/open-sealer.ts";
import { SERVER_LABELS } from "../labels.ts";
import { startTestVault } from "../test-vault.ts";
import { REALM_PATHS } from "./protocol.ts";

const AAD = new TextEncoder().encode(SERVER_LABELS.vaultSecrets);
const realmIdOf = async (url: string) => ((await (await fetch(url + REALM_PATHS.info)).json()) as { realmId: string }).realmId;

test("realm ID: stable across restarts; a pre-realm secrets blob gets one, re-sealed, old records still unlock", async (t) => {
  const first = await startTestVault(t);
  const id1 = await realmIdOf(first.url);
  const rootKey = generateRootKey();
  await (await first.client("alice")).enable("alice's password", rootKey);
  await first.vault.close();

  const again = await startTestVault(t, { dataDir: first.dir, auth: { hs256Secret: first.secret } });
  assert.equal(await realmIdOf(again.url), id1, "the same realm ID after a restart");
  await again.vault.close();

  // Rewrite the blob as a vault from before realms sealed it: no realmId field.
  const db = new Database(join(first.dir, "vault.db"));
  const sealer = await openSealer({ kind: "keyfile", path: join(first.dir, "vault-kek.key") }, { createKey: false });
  const row = db.prepare("SELECT sealed FROM vault_secrets WHERE id = 1").get() as { sealed: Buffer };
  const blob = JSON.parse(new TextDecoder().decode(await sealer.open(new Uint8Array(row.sealed), AAD))) as Record<string, unknown>;
  assert.equal(blob.realmId, id1, "the realm ID lives inside the sealed blob");
  delete blob.realmId;
  const legacy = await sealer.seal(new TextEncoder().encode(JSON.stringify(blob)), AAD);
  db.prepare("UPDATE vault_secrets SET sealed = ? WHERE id = 1").run(Buffer.from(legacy));

  const upgraded = await startTestVault(t, { dataDir: first.dir, auth: { hs256Secret: first.secret } });
  const id2 = await realmIdOf(upgraded.url);
  assert.match(id2, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(id2, id1, "a fresh ID was drawn for the legacy blob");
  const resealed = db.prepare("SELECT sealed FROM vault_secrets WHERE id = 1").get() as { sealed: Buffer };
  const after = JSON.parse(new TextDecoder().decode(await sealer.open(new Uint8Array(resealed.sealed), AAD))) as Record<string, unknown>;
  assert.equal(after.realmId, id2, "re-sealed with the new ID");
  assert.equal(after.serverSetup, blob.serverSetup, "the OPAQUE setup is untouched");
  assert.equal(after.recordKey, blob.recordKey, "the record key is untouched");
  const back = await (await upgraded.client("alice")).unlock("alice's password");
  assert.ok(equalBytes(back.unsafeBytes(), rootKey.unsafeBytes()), "the single-vault record still unlocks");
  await upgraded.vault.close();
  const last = await startTestVault(t, { dataDir: first.dir, auth: { hs256Secret: first.secret } });
  assert.equal(await realmIdOf(last.url), id2, "the upgrade happens once");
  db.close();
  await sealer.close();
});
