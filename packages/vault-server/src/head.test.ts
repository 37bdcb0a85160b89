/**
 * The backup head (spec §7): monotonic, kept through password changes and disable, and
 * reset only when a new record (a new root key, so a new backup) is enabled; signed with
 * the head key derived from the root key (§7.1), including records older than head proofs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as opaque from "@serenity-kit/opaque";
import { type RootKey, generateRootKey, toBase64Url } from "@chatvault/format";
import { HeadConflictError, VaultProtocolError, VaultRequestError, decodeDigest, deriveHeadSigningKey } from "@chatvault/vault-protocol";
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

const sign = (rootKey: RootKey, account: string, sequence: number, d: Uint8Array) =>
  toBase64Url(deriveHeadSigningKey(rootKey.unsafeBytes()).sign(account, sequence, d));

test("head proof: with a registered head key only the root key's holder can move the head", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("alice");
  const rootKey = generateRootKey();
  await client.enable("pw", rootKey);
  const tx = client.transport;
  const d = toBase64Url(digest(1));
  const refused = (e: unknown) => e instanceof VaultRequestError && e.code === "head_signature_invalid" && e.status === 403;
  // The review's attack: a token holder pushes the head to 2^53−1.
  await assert.rejects(tx.advanceHead({ sequence: Number.MAX_SAFE_INTEGER, digest: d }), refused);
  await assert.rejects(
    tx.advanceHead({ sequence: Number.MAX_SAFE_INTEGER, digest: d, signature: sign(generateRootKey(), "alice", Number.MAX_SAFE_INTEGER, digest(1)) }),
    refused,
  );
  await assert.rejects(tx.advanceHead({ sequence: 2, digest: d, signature: sign(rootKey, "alice", 1, digest(1)) }), refused, "signature of another sequence");
  await assert.rejects(tx.advanceHead({ sequence: 1, digest: d, signature: sign(rootKey, "bob", 1, digest(1)) }), refused, "signature for another account");
  assert.equal((await tx.getHead()).sequence, 0, "nothing moved");
  const h = await client.advanceHead({ sequence: 1, digest: digest(1), rootKey });
  assert.equal(h.signature, sign(rootKey, "alice", 1, digest(1)));
  assert.deepEqual(await client.getVerifiedHead(rootKey), h);
  await assert.rejects(client.getVerifiedHead(generateRootKey()), VaultProtocolError, "another backup's key does not verify this head");

  // A password change keeps the root key, so the head key; another key is refused.
  await client.changePassword("pw", "pw2");
  await client.advanceHead({ sequence: 2, digest: digest(2), rootKey });
  const weak = { "argon2id-custom": { iterations: 1, memory: 8, parallelism: 1 } } as const;
  const c = opaque.client.startLogin({ password: "pw2" });
  const ke2 = await tx.loginStart({ startLoginRequest: c.startLoginRequest });
  const fin = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: ke2.loginResponse, password: "pw2", keyStretching: weak })!;
  const session = await tx.loginFinish({ loginId: ke2.loginId, finishLoginRequest: fin.finishLoginRequest });
  const reg = opaque.client.startRegistration({ password: "pw3" });
  const started = await tx.registrationStart({ registrationRequest: reg.registrationRequest });
  const rec = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse: started.registrationResponse,
    password: "pw3",
    keyStretching: weak,
  });
  await assert.rejects(
    tx.recordReplace({
      sessionToken: session.sessionToken,
      registrationRecord: rec.registrationRecord,
      recordVersion: started.recordVersion,
      wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
      keyStretching: { algorithm: "argon2id", memoryKiB: 8, iterations: 1, parallelism: 1 },
      headPublicKey: toBase64Url(deriveHeadSigningKey(generateRootKey().unsafeBytes()).publicKey),
    }),
    (e) => e instanceof VaultRequestError && e.code === "head_key_conflict",
  );
  assert.equal((await client.status()).recordVersion, session.recordVersion, "nothing replaced");
});

test("head digests: one rule with the client — whole bytes, canonical, 16–64", async (t) => {
  const tv = await startTestVault(t);
  const client = await tv.client("legacy");
  for (const bad of ["A".repeat(25), "A".repeat(29), "A".repeat(21) + "B", "A".repeat(87), "A".repeat(21)]) {
    await assert.rejects(client.transport.advanceHead({ sequence: 1, digest: bad }), (e) => e instanceof VaultRequestError && e.code === "bad_request", bad);
    await assert.rejects(client.advanceHead({ sequence: 1, digest: bad, rootKey: generateRootKey() }), RangeError);
  }
  assert.equal((await client.getHead()).sequence, 0);
  assert.equal(decodeDigest("A".repeat(22))?.length, 16);
  assert.equal(decodeDigest("A".repeat(86))?.length, 64);
});

test("head proof: a record written before head proofs keeps working and registers its key at the next login", async (t) => {
  const tv = await startTestVault(t);
  await opaque.ready;
  const client = await tv.client("old");
  const rootKey = generateRootKey();
  // Enable the way a client older than head proofs does: no headPublicKey.
  const old = await tv.client("old");
  const realFinish = old.transport.registrationFinish.bind(old.transport);
  old.transport.registrationFinish = ({ headPublicKey: _dropped, ...body }) => realFinish(body);
  await old.enable("pw", rootKey);
  assert.equal((await tv.vault.store.getRecord("old"))!.headKey, null);

  // What an unregistered record still allows: unsigned heads, monotonic, which clients do not trust.
  await client.transport.advanceHead({ sequence: 5, digest: toBase64Url(digest(5)) });
  await client.transport.advanceHead({ sequence: Number.MAX_SAFE_INTEGER, digest: toBase64Url(digest(9)) }); // a token thief's push
  assert.equal((await client.getHead()).signature, null);
  assert.equal((await client.getVerifiedHead(rootKey)).sequence, 0, "an unsigned head counts as no head");

  // The next successful login registers the key (session-token authenticated).
  await client.unlock("pw");
  assert.ok((await tv.vault.store.getRecord("old"))!.headKey, "registered");
  await assert.rejects(
    client.transport.advanceHead({ sequence: Number.MAX_SAFE_INTEGER, digest: toBase64Url(digest(9)) }),
    (e) => e instanceof VaultRequestError && e.code === "head_signature_invalid",
  );
  // The owner's next signed head replaces the pushed unsigned one, whatever its sequence.
  await client.advanceHead({ sequence: 6, digest: digest(6), rootKey });
  assert.equal((await client.getVerifiedHead(rootKey)).sequence, 6);
  await assert.rejects(client.advanceHead({ sequence: 5, digest: digest(5), rootKey }), HeadConflictError, "then monotonic again");

  // Registration needs a fresh session of this record and never changes a registered key.
  const other = toBase64Url(deriveHeadSigningKey(generateRootKey().unsafeBytes()).publicKey);
  await assert.rejects(
    client.transport.registerHeadKey({ sessionToken: "v2.AAAAAAAAAAAAAAAA.AAAA", headPublicKey: other }),
    (e) => e instanceof VaultRequestError && e.code === "session_invalid",
  );
  const c = opaque.client.startLogin({ password: "pw" });
  const ke2 = await client.transport.loginStart({ startLoginRequest: c.startLoginRequest });
  const fin = opaque.client.finishLogin({
    clientLoginState: c.clientLoginState,
    loginResponse: ke2.loginResponse,
    password: "pw",
    keyStretching: { "argon2id-custom": { iterations: 1, memory: 8, parallelism: 1 } },
  })!;
  const done = await client.transport.loginFinish({ loginId: ke2.loginId, finishLoginRequest: fin.finishLoginRequest });
  assert.equal(done.headKeyRegistered, true);
  await assert.rejects(
    client.transport.registerHeadKey({ sessionToken: done.sessionToken, headPublicKey: other }),
    (e) => e instanceof VaultRequestError && e.code === "head_key_conflict",
  );
});
