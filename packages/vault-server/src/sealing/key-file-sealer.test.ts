/** The key-file KEK (spec §10.3.1): created 0600, loose modes refused, wrong/missing keys are startup errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startVaultServer } from "../server.ts";
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
    const e = await startVaultServer({ dataDir: dir, port: 0, auth, logLevel: "silent" }).then(async (v) => (await v.close(), undefined), (x: unknown) => x);
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
