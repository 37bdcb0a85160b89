/**
 * HSM sealing with SoftHSM2 (spec §10.3.2): the vault's secrets sealed by a
 * non-extractable AES key in a PKCS#11 token; a restart reopens them and records still
 * work; a wrong PIN, a missing key or a missing module is a clear startup error and the
 * vault does not start.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import graphene from "graphene-pk11";
import { equalBytes, generateRootKey } from "@chatvault/format";
import { needService, tempDir } from "@chatvault/testkit";
import { startVaultServer } from "../server.ts";
import { SealerError, DEFAULT_PKCS11_KEY_LABEL } from "./sealer.ts";
import { spawnVault, startTestVault } from "../test-vault.ts";

const MODULE = "/usr/lib/softhsm/libsofthsm2.so";
const PIN = "1234";

function softhsmAvailable(): boolean {
  try {
    execFileSync("softhsm2-util", ["--version"], { stdio: "ignore" });
    return existsSync(MODULE);
  } catch {
    return false;
  }
}

/** A fresh SoftHSM2 token store with one token "vault"; SOFTHSM2_CONF points at it for this process. */
function initToken(t: TestContext, dir: string): string {
  mkdirSync(join(dir, "tokens"), { recursive: true });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "vault", "--so-pin", "5678", "--pin", PIN], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: "ignore",
  });
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  t.after(() => {
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
  });
  return conf;
}

const hsm = (pin = PIN, keyLabel?: string) => ({ kind: "pkcs11" as const, module: MODULE, tokenLabel: "vault", pin, ...(keyLabel ? { keyLabel } : {}) });

test("HSM: secrets sealed by a non-extractable token key; restart → records still work", async (t) => {
  if (!needService(t, softhsmAvailable(), "SoftHSM2 not installed (apt-get install softhsm2)")) return;
  const dir = tempDir(t);
  initToken(t, dir);
  const dataDir = join(dir, "vault");
  const first = await startTestVault(t, { dataDir, sealer: hsm() });
  const rootKey = generateRootKey();
  await (await first.client("alice")).enable("alice's password", rootKey);
  const sealedRow = await first.vault.store.getSealedSecrets();
  assert.equal(sealedRow?.sealerKind, "pkcs11");
  assert.equal(sealedRow?.keyId, `pkcs11:vault/${DEFAULT_PKCS11_KEY_LABEL}`);
  assert.ok(!existsSync(join(dataDir, "vault-kek.key")), "no key file when an HSM seals");
  await first.vault.close();

  // The key in the token: AES, sensitive, never extractable.
  const mod = graphene.Module.load(MODULE, "check");
  mod.initialize();
  try {
    const session = mod.getSlots(0).open(graphene.SessionFlag.SERIAL_SESSION);
    session.login(PIN);
    const keys = session.find({ class: graphene.ObjectClass.SECRET_KEY, label: DEFAULT_PKCS11_KEY_LABEL });
    assert.equal(keys.length, 1);
    const key = keys.items(0).toType<graphene.SecretKey>();
    assert.equal(key.getAttribute("extractable"), false);
    assert.equal(key.getAttribute("sensitive"), true);
    session.logout();
    session.close();
  } finally {
    mod.finalize();
  }

  const second = await startTestVault(t, { dataDir, sealer: hsm(), auth: { hs256Secret: first.secret } });
  const back = await (await second.client("alice")).unlock("alice's password");
  assert.ok(equalBytes(back.unsafeBytes(), rootKey.unsafeBytes()), "same OPAQUE setup and record key after restart");
});

test("HSM: wrong PIN, missing key, missing module, another token → clear startup errors, no start", async (t) => {
  if (!needService(t, softhsmAvailable(), "SoftHSM2 not installed (apt-get install softhsm2)")) return;
  const dir = tempDir(t);
  const conf = initToken(t, dir);
  const dataDir = join(dir, "vault");
  const auth = { hs256Secret: "s".repeat(43) };
  const ok = await startVaultServer({ dataDir, port: 0, sealer: hsm(), auth, logLevel: "silent" });
  await ok.close();

  const fails = async (sealer: ReturnType<typeof hsm>, code: string, message: RegExp) => {
    const e = await startVaultServer({ dataDir, port: 0, sealer, auth, logLevel: "silent" }).then(
      async (v) => (await v.close(), undefined),
      (x: unknown) => x,
    );
    assert.ok(e instanceof SealerError, `expected SealerError ${code}, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), "one line");
  };
  await fails(hsm("9999"), "sealer_pkcs11_login", /wrong PIN/);
  await fails(hsm(PIN, "some-other-label"), "sealer_pkcs11_key_missing", /"some-other-label" not found/);
  await fails({ ...hsm(), module: "/nonexistent/libpkcs11.so" }, "sealer_pkcs11_module", /does not exist/);
  await fails({ ...hsm(), tokenLabel: "nope" }, "sealer_pkcs11_token", /token "nope" not found/);

  // The runnable entry: exit 1 with one line on stderr, nothing listening.
  writeFileSync(join(dir, "bad-pin"), "0000\n", { mode: 0o600 });
  const spawned = spawnVault(
    t,
    ["--data-dir", dataDir, "--port", "0", "--pkcs11-module", MODULE, "--pkcs11-token-label", "vault", "--pkcs11-pin-file", join(dir, "bad-pin")],
    { SOFTHSM2_CONF: conf, CHATVAULT_VAULT_JWT_SECRET: auth.hs256Secret },
  );
  await assert.rejects(spawned, /exited with 1: chatvault vault: sealer_pkcs11_login: PKCS#11 login to token "vault" failed: wrong PIN/);

  // A copy of the database with another HSM (its own token, its own key) cannot open the secrets.
  const other = tempDir(t);
  initToken(t, other);
  await fails(hsm(), "sealer_pkcs11_key_missing", /not found on token "vault"/);
});
