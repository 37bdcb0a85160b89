/**
 * The backup head (spec §7): monotonic, kept through password changes and disable, and
 * reset only when a new record (a new root key, so a new backup) is enabled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateRootKey } from "@chatvault/format";
import { HeadConflictError } from "@chatvault/vault-protocol";
import { startTestVault } from "./test-vault.ts";

const digest = (n: number) => new Uint8Array(32).fill(n);

test("head: monotonic, kept by password change and disable, reset by a new enable", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  const rootKey = generateRootKey();
  await client.enable("first password", rootKey);
  await client.advanceHead({ sequence: 1, digest: digest(1), rootKey });
  await client.advanceHead({ sequence: 2, digest: digest(2), rootKey });
  await assert.rejects(client.advanceHead({ sequence: 1, digest: digest(9), rootKey }), HeadConflictError);
  await assert.rejects(client.advanceHead({ sequence: 2, digest: digest(9), rootKey }), HeadConflictError);

  await client.changePassword("first password", "second password");
  assert.equal((await client.getVerifiedHead(rootKey)).sequence, 2, "a password change keeps the backup, so its head");
  await client.disable("second password");
  assert.equal((await client.getHead()).sequence, 2, "disable keeps the head: the storage still cannot roll back");

  const newKey = generateRootKey();
  await client.enable("third password", newKey);
  const h = await client.getHead();
  assert.equal(h.sequence, 0, "a new key starts a new backup");
  assert.equal(h.digest, null);
  await client.advanceHead({ sequence: 1, digest: digest(3), rootKey: newKey });
});
