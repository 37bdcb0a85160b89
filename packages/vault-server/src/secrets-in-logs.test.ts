/**
 * After a whole flow (enable, wrong guesses, unlock, change password, head, disable,
 * re-enable), no log line and no byte of the database files holds the password, the root
 * key (raw, hex, base64, base64url), the export key, the session key, an OPAQUE message,
 * the account token or a session token (spec §9.1, DESIGN §4).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as opaque from "@serenity-kit/opaque";
import { generateRootKey } from "@chatvault/format";
import { TEST_ONLY_WEAK_KEY_STRETCHING, toOpaqueKeyStretching } from "@chatvault/vault-protocol";
import { startTestVault } from "./test-vault.ts";

function forms(label: string, bytes: Buffer): Array<[string, Buffer]> {
  return [
    [`${label} (raw)`, bytes],
    [`${label} (hex)`, Buffer.from(bytes.toString("hex"))],
    [`${label} (HEX)`, Buffer.from(bytes.toString("hex").toUpperCase())],
    [`${label} (base64)`, Buffer.from(bytes.toString("base64").replace(/=+$/, ""))],
    [`${label} (base64url)`, Buffer.from(bytes.toString("base64url"))],
  ];
}

test("no secret reaches a log line or the database file", async (t) => {
  const tv = await startTestVault(t);
  await opaque.ready;
  const password = "Tr0ub4dor&3-unique-needle";
  const newPassword = "second-unique-needle-pw";
  const rootKey = generateRootKey();
  const client = await tv.client("alice");
  await client.enable(password, rootKey);
  for (const guess of ["wrong-1", "wrong-2"]) await client.unlock(guess).catch(() => {});

  // One login by hand, to learn what the client alone knows: export key, session key, KE1/KE2/KE3.
  const c1 = opaque.client.startLogin({ password });
  const ke2 = await client.transport.loginStart({ startLoginRequest: c1.startLoginRequest });
  const c2 = opaque.client.finishLogin({
    clientLoginState: c1.clientLoginState,
    loginResponse: ke2.loginResponse,
    password,
    keyStretching: toOpaqueKeyStretching(TEST_ONLY_WEAK_KEY_STRETCHING),
  })!;
  const fin = await client.transport.loginFinish({ loginId: ke2.loginId, finishLoginRequest: c2.finishLoginRequest });

  await client.unlock(password);
  await client.advanceHead({ sequence: 1, digest: new Uint8Array(32).fill(9), rootKey });
  await client.changePassword(password, newPassword);
  await client.unlock(newPassword);
  await client.disable(newPassword);
  await client.enable(newPassword, rootKey);
  await tv.vault.close();

  const token = await tv.token("alice");
  const needles: Array<[string, Buffer]> = [
    ["password", Buffer.from(password)],
    ["new password", Buffer.from(newPassword)],
    ...forms("root key", Buffer.from(rootKey.unsafeBytes())),
    ...forms("export key", Buffer.from(c2.exportKey, "base64url")),
    ...forms("session key", Buffer.from(c2.sessionKey, "base64url")),
    ["KE1", Buffer.from(c1.startLoginRequest)],
    ["KE2", Buffer.from(ke2.loginResponse)],
    ["KE3", Buffer.from(c2.finishLoginRequest)],
    ["wrapped root key", Buffer.from(fin.wrappedRootKey.ciphertext)],
    ...forms("wrapped root key", Buffer.from(fin.wrappedRootKey.ciphertext, "base64url")),
    ["session token", Buffer.from(fin.sessionToken)],
    ["session token MAC", Buffer.from(fin.sessionToken.split(".")[2]!)],
    ["account token signature", Buffer.from(token.split(".")[2]!)],
    ["account-token secret", Buffer.from(tv.secret)],
  ];
  const logs = Buffer.from(tv.logs.join("\n"));
  assert.ok(tv.logs.length > 20, "the flow was logged");
  for (const [what, needle] of needles) assert.equal(logs.indexOf(needle), -1, `${what} found in the logs`);

  const files = ["vault.db", "vault.db-wal", "vault.db-shm"].map((f) => `${tv.dir}/${f}`).filter(existsSync);
  for (const f of files) {
    const content = readFileSync(f);
    for (const [what, needle] of needles) assert.equal(content.indexOf(needle), -1, `${what} found in ${f}`);
  }
  // And the key file never holds them either (it holds only the KEK).
  const kek = readFileSync(`${tv.dir}/vault-kek.key`);
  for (const [what, needle] of needles) assert.equal(kek.indexOf(needle), -1, `${what} found in the key file`);
});
