/** The key-file KEK (spec §10.3.1): created 0600, loose modes refused, wrong/missing keys are startup errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startVaultServer } from "../server.ts";
import { openMigratedVaultStore } from "../store/open.ts";
import { SealerError } from "./sealer.ts";
import { openKeyFileSealer } from "./key-file-sealer.ts";

const auth = { hs256Secret: "s".repeat(43) };

test("key file: created 0600 on first start; reused on restart", async (t) => {
  const dir = tempDir(t);
  const v = await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" });
  await v.close();
  const path = join(dir, "vault-kek.key");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, "vault.db")).mode & 0o777, 0o600);
  const before = readFileSync(path, "utf8");
  const v2 = await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" });
  await v2.close();
  assert.equal(readFileSync(path, "utf8"), before);
});

test("key file: loose mode, missing file, another key → clear startup errors", async (t) => {
  const dir = tempDir(t);
  await (await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" })).close();
  const path = join(dir, "vault-kek.key");
  const fails = async (code: string, re: RegExp) => {
    const e = await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" }).then(
      async (v) => (await v.close(), undefined),
      (x: unknown) => x,
    );
    assert.ok(e instanceof SealerError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, re);
  };
  chmodSync(path, 0o644);
  await fails("sealer_key_file_mode", /mode 0644.*chmod 600/);
  chmodSync(path, 0o600);
  renameSync(path, `${path}.bak`);
  await fails("sealer_key_file_missing", /does not exist/);
  const other = tempDir(t);
  await (await openKeyFileSealer(join(other, "k"), { createKey: true })).close();
  writeFileSync(path, readFileSync(join(other, "k")), { mode: 0o600 });
  await fails("sealer_open_failed", /do not open with keyfile:/);
  renameSync(`${path}.bak`, path);
  await (await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" })).close();
});

test("key file: sealing binds the AAD and detects tampering", async (t) => {
  const s = await openKeyFileSealer(join(tempDir(t), "k"), { createKey: true });
  const aad = new TextEncoder().encode("ctx");
  const sealed = await s.seal(new Uint8Array([1, 2, 3]), aad);
  assert.deepEqual([...(await s.open(sealed, aad))], [1, 2, 3]);
  await assert.rejects(s.open(sealed, new TextEncoder().encode("other")), SealerError);
  sealed[20]! ^= 1;
  await assert.rejects(s.open(sealed, aad), SealerError);
  assert.match(String(s), /^KeyFileSealer\(keyfile:[0-9a-f]{16}\)$/);
});

test("startup message: a missing key file on an HSM-sealed database says the database is HSM-sealed (and the inverse)", async (t) => {
  // A database whose secrets a PKCS#11 key sealed (the row as an HSM-sealed vault writes it).
  const dir = tempDir(t);
  const store = await openMigratedVaultStore({ kind: "sqlite", path: join(dir, "vault.db") });
  await store.putSealedSecretsIfAbsent({ sealerKind: "pkcs11", keyId: "pkcs11:vault/chatvault-vault-kek", sealed: new Uint8Array(64), createdAt: 1 });
  await store.close();
  const e = await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" }).then(
    async (v) => (await v.close(), undefined),
    (x: unknown) => x,
  );
  assert.ok(e instanceof SealerError, String(e));
  assert.equal(e.code, "sealer_mismatch");
  assert.match(e.message, /sealed by a PKCS#11 \(HSM\) key \(pkcs11:vault\/chatvault-vault-kek\), but the vault is configured with a key file/);
  assert.doesNotMatch(e.message, /sealed by a key file/, "the old, wrong message");
  assert.equal(existsSync(join(dir, "vault-kek.key")), false, "no key file was created over HSM-sealed secrets");

  // The inverse: a key-file-sealed database started with a PKCS#11 configuration (even one whose module is missing).
  const dir2 = tempDir(t);
  await (await startVaultServer({ dataDir: dir2, port: 0, auth, logLevel: "silent" })).close();
  const e2 = await startVaultServer({
    dataDir: dir2,
    port: 0,
    auth,
    logLevel: "silent",
    sealer: { kind: "pkcs11", module: "/nonexistent/libpkcs11.so", pin: "1234" },
  }).then(
    async (v) => (await v.close(), undefined),
    (x: unknown) => x,
  );
  assert.ok(e2 instanceof SealerError, String(e2));
  assert.equal(e2.code, "sealer_mismatch");
  assert.match(e2.message, /sealed by a key file \(keyfile:[0-9a-f]{16}\), but the vault is configured with a PKCS#11 \(HSM\) key \(module \/nonexistent/);
  assert.doesNotMatch(e2.message, /1234/, "no PIN in the message");
});
