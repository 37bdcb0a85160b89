/**
 * Account auth (spec §2): bad, expired, wrong-key, wrong-algorithm tokens → 401 touching
 * nothing; account A can never spend B's guesses; EdDSA / ES256 keys and JWKS files work.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, exportJWK, importPKCS8 } from "jose";
import * as opaque from "@serenity-kit/opaque";
import { generateRootKey } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { VAULT_PATHS } from "@chatvault/vault-protocol";
import { mintDevToken } from "./dev-token.ts";
import { createAccountVerifier, AccountTokenError } from "./account-token.ts";
import { startTestVault } from "../test-vault.ts";

test("bad, expired, wrong-key and alg-confused tokens → 401; nothing is touched", async (t) => {
  const tv = await startTestVault(t);
  const alice = await tv.client("alice");
  await alice.enable("alice's password", generateRootKey());
  await opaque.ready;
  const otherSecret = "x".repeat(40);
  const now = Math.floor(Date.now() / 1000);
  const noneAlg = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "alice", exp: now + 600 })).toString("base64url")}.`;
  const tokens: Record<string, string | undefined> = {
    missing: undefined,
    garbage: "Bearer not-a-jwt",
    notBearer: `Basic ${await tv.token("alice")}`,
    expired: `Bearer ${await mintDevToken({ secret: tv.secret, account: "alice", ttl: 60, issuedAt: now - 3600 })}`,
    wrongKey: `Bearer ${await mintDevToken({ secret: otherSecret, account: "alice" })}`,
    algNone: `Bearer ${noneAlg}`,
    noExp: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").sign(new TextEncoder().encode(tv.secret))}`,
    noSub: `Bearer ${await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(tv.secret))}`,
    tampered: `Bearer ${(await tv.token("alice")).replace(/\.([^.]{4})/, ".AAAA")}`,
  };
  const before = await tv.vault.store.getRecord("alice");
  const ke1 = JSON.stringify({ startLoginRequest: opaque.client.startLogin({ password: "x" }).startLoginRequest });
  for (const [name, auth] of Object.entries(tokens)) {
    for (const [method, path, body] of [
      ["POST", VAULT_PATHS.loginStart, ke1],
      ["GET", VAULT_PATHS.status, undefined],
      ["POST", VAULT_PATHS.head, '{"sequence":1,"digest":"AAAAAAAAAAAAAAAAAAAAAA"}'],
    ] as const) {
      const res = await fetch(tv.url + path, {
        method,
        ...(body ? { body } : {}),
        headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      });
      assert.equal(res.status, 401, `${name} ${path}`);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthorized");
    }
  }
  assert.deepEqual(await tv.vault.store.getRecord("alice"), before, "no attempt was counted");
  assert.equal(await tv.vault.store.getHead("alice"), null);
  assert.ok(tv.logs.some((l) => l.includes('"reason":"expired"')));
});

test("account A cannot touch account B: guesses, head, session tokens", async (t) => {
  const tv = await startTestVault(t);
  const bob = await tv.client("bob");
  const mallory = await tv.client("mallory");
  const bobKey = generateRootKey();
  await bob.enable("bob's password", bobKey);
  await mallory.enable("mallory's password", generateRootKey());
  for (let i = 0; i < 5; i++) await mallory.unlock("wrong").catch(() => {});
  assert.equal((await bob.status()).attemptsRemaining, 5, "mallory's guesses hit mallory's record only");
  await bob.advanceHead({ sequence: 3, digest: new Uint8Array(32).fill(1), rootKey: bobKey });
  assert.equal((await mallory.getHead()).sequence, 0);
  // A session token minted for bob is useless with mallory's account token.
  const bobSession = await bob.transport.loginStart({ startLoginRequest: opaque.client.startLogin({ password: "bob's password" }).startLoginRequest });
  assert.ok(bobSession.loginId);
  const res = await fetch(tv.url + VAULT_PATHS.loginFinish, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tv.token("mallory")}` },
    body: JSON.stringify({ loginId: bobSession.loginId, finishLoginRequest: "A".repeat(86) }),
  });
  assert.equal(res.status, 409, "bob's loginId does not exist for mallory");
});

test("EdDSA and ES256 public keys and a JWKS file verify; other keys do not", async (t) => {
  const dir = tempDir(t);
  for (const [alg, type, opts] of [
    ["EdDSA", "ed25519", {}],
    ["ES256", "ec", { namedCurve: "P-256" }],
  ] as const) {
    const { privateKey, publicKey } = generateKeyPairSync(type as "ec", opts as { namedCurve: string });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const priv = await importPKCS8(privateKey.export({ type: "pkcs8", format: "pem" }).toString(), alg);
    const jwt = await new SignJWT({}).setProtectedHeader({ alg, kid: "k1" }).setSubject("carol").setExpirationTime("10m").sign(priv);
    const verify = await createAccountVerifier({ publicKeyPem: pem, algorithm: alg });
    assert.equal(await verify(`Bearer ${jwt}`), "carol");
    await assert.rejects(verify(`Bearer ${await mintDevToken({ secret: "s".repeat(40), account: "carol" })}`), AccountTokenError);
    const jwks = join(dir, `${alg}.jwks.json`);
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg }] }));
    const v2 = await createAccountVerifier({ jwksFile: jwks, issuer: "https://app.example" });
    await assert.rejects(v2(`Bearer ${jwt}`), (e) => e instanceof AccountTokenError && e.reason === "claims", "issuer required");
    const withIss = await new SignJWT({})
      .setProtectedHeader({ alg, kid: "k1" })
      .setSubject("carol")
      .setIssuer("https://app.example")
      .setExpirationTime("10m")
      .sign(priv);
    assert.equal(await v2(`Bearer ${withIss}`), "carol");
  }
  await assert.rejects(createAccountVerifier({ hs256Secret: "short" }), RangeError);
});

test("a verified token is then known without a promise (cached); unknown, malformed or other tokens are not", async () => {
  const secret = "s".repeat(40);
  const verify = await createAccountVerifier({ hs256Secret: secret });
  const header = `Bearer ${await mintDevToken({ secret, account: "dora", ttl: 600 })}`;
  const other = `Bearer ${await mintDevToken({ secret, account: "erin", ttl: 600 })}`;
  assert.equal(verify.cached?.(header), undefined, "not before it verified");
  assert.equal(verify.cached?.(undefined), undefined);
  assert.equal(await verify(header), "dora");
  assert.equal(verify.cached?.(header), "dora");
  assert.equal(verify.cached?.(other), undefined, "another token is not known");
  assert.equal(verify.cached?.(`${header}x`), undefined);
  const forged = `Bearer ${await mintDevToken({ secret: "f".repeat(40), account: "dora", ttl: 600 })}`;
  await assert.rejects(verify(forged), (e) => e instanceof AccountTokenError && e.reason === "signature");
  assert.equal(verify.cached?.(forged), undefined, "a refused token is never remembered");
});
