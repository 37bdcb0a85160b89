/**
 * Full lifecycle on the REAL default KSF (Argon2id 64 MiB, t=3): enable → unlock →
 * change password (old stops working, root key unchanged) → disable (spec §5).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes, generateRootKey } from "@chatvault/format";
import { DEFAULT_KEY_STRETCHING, NotEnabledError, VaultClient, WrongPasswordError } from "@chatvault/vault-protocol";
import { startTestVault } from "./test-vault.ts";

test("lifecycle: enable → unlock → change password → disable, default KSF", async (t) => {
  const tv = await startTestVault(t, { allowWeakKeyStretching: false });
  const token = await tv.token("alice");
  const client = new VaultClient({ baseUrl: tv.url, token: () => token });
  const rootKey = generateRootKey();

  assert.equal((await client.status()).state, "not_enabled");
  const enabled = await client.enable("correct horse battery staple", rootKey);
  assert.ok(enabled.recordVersion >= 1 && enabled.recordVersion <= 2 ** 31, "the first version is a keyed number, not 1 (spec §5.1)");
  const st = await client.status();
  assert.equal(st.state, "enabled");
  assert.deepEqual(st.keyStretching, DEFAULT_KEY_STRETCHING);
  assert.equal(st.attemptsRemaining, 5);

  const t0 = performance.now();
  const unlocked = await client.unlock("correct horse battery staple");
  t.diagnostic(`unlock with default KSF: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.ok(equalBytes(unlocked.unsafeBytes(), rootKey.unsafeBytes()));

  const changed = await client.changePassword("correct horse battery staple", "new password 2");
  assert.equal(changed.recordVersion, enabled.recordVersion + 1);
  await assert.rejects(client.unlock("correct horse battery staple"), (e) => e instanceof WrongPasswordError && e.attemptsRemaining === 4);
  const again = await client.unlock("new password 2");
  assert.ok(equalBytes(again.unsafeBytes(), rootKey.unsafeBytes()), "root key unchanged by the password change");
  assert.equal((await client.status()).attemptsRemaining, 5, "success reset the count");

  await client.disable("new password 2");
  assert.equal((await client.status()).state, "not_enabled");
  await assert.rejects(client.unlock("new password 2"), NotEnabledError);
});
