/**
 * Fuzz every endpoint with malformed JSON, wrong types, missing/extra fields, bad
 * base64, wrong lengths, huge bodies and wrong media types: never a 5xx, always a typed
 * JSON error, and never a change to the database (spec §4.1, §8).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import fc from "fast-check";
import { generateRootKey } from "@chatvault/format";
import { FIELD_BYTES, VAULT_ERROR_STATUS, VAULT_PATHS, base64UrlLength } from "@chatvault/vault-protocol";
import { startTestVault } from "../test-vault.ts";

type Body = Record<string, unknown>;
const b64 = (n: number) => "A".repeat(base64UrlLength(n));
const ks = { algorithm: "argon2id", memoryKiB: 8, iterations: 1, parallelism: 1 };
const wrapped = { nonce: b64(FIELD_BYTES.wrapNonce), ciphertext: b64(FIELD_BYTES.wrapCiphertext) };
/** A well-formed body per endpoint; the fuzzer breaks it. */
const VALID: Record<string, Body> = {
  [VAULT_PATHS.registrationStart]: { registrationRequest: b64(FIELD_BYTES.registrationRequest) },
  [VAULT_PATHS.registrationFinish]: { registrationRecord: b64(FIELD_BYTES.registrationRecord), wrappedRootKey: wrapped, recordVersion: 1, keyStretching: ks },
  [VAULT_PATHS.recordReplace]: {
    registrationRecord: b64(FIELD_BYTES.registrationRecord),
    wrappedRootKey: wrapped,
    recordVersion: 2,
    keyStretching: ks,
    sessionToken: "v1.AAAAAAAAAAAAAAAA.AAAA",
  },
  [VAULT_PATHS.recordDelete]: { sessionToken: "v1.AAAAAAAAAAAAAAAA.AAAA" },
  [VAULT_PATHS.loginStart]: { startLoginRequest: b64(FIELD_BYTES.startLoginRequest) },
  [VAULT_PATHS.loginFinish]: { loginId: b64(FIELD_BYTES.loginId), finishLoginRequest: b64(FIELD_BYTES.finishLoginRequest) },
  [VAULT_PATHS.head]: { sequence: 9, digest: b64(32), signature: b64(FIELD_BYTES.headSignature) },
  [VAULT_PATHS.headKey]: { sessionToken: "v2.AAAAAAAAAAAAAAAA.AAAA", headPublicKey: b64(FIELD_BYTES.headPublicKey) },
  [VAULT_PATHS.testClock]: { advanceMs: 1 },
};

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.string({ maxLength: 40 }),
  fc.constant("!!!!" + "A".repeat(40)),
  fc.constant("A".repeat(5000)),
  fc.constant("="),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.constant("AAAA===="),
  fc.constant("A".repeat(43) + "\u0000"),
);

/** A replacement that is still well-formed (an integer for an integer, a same-length base64url string) is no fuzz case. */
function stillValid(original: unknown, v: unknown): boolean {
  if (typeof original === "number") return Number.isInteger(v);
  if (typeof original === "string") return typeof v === "string" && v.length === original.length && /^[A-Za-z0-9_.-]*$/.test(v);
  return false;
}

/** Break one valid body: drop a field, add one, or replace a (nested) value with garbage. */
function mutated(valid: Body): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const asJson = fc
    .oneof(
      fc.constantFrom(...keys).map((k) => {
        const o = { ...valid };
        delete o[k];
        return o;
      }),
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 8 }), wrongValue)
        .filter(([k]) => !keys.includes(k))
        .map(([k, v]) => ({ ...valid, [k]: v })),
      fc
        .tuple(fc.constantFrom(...keys), wrongValue)
        .filter(([k, v]) => !stillValid(valid[k], v))
        .map(([k, v]) => ({ ...valid, [k]: v })),
      fc
        .tuple(fc.constantFrom(...keys), fc.integer({ min: 1, max: 3 }))
        .map(([k, d]) => ({ ...valid, [k]: typeof valid[k] === "string" ? (valid[k] as string).slice(d) : -d })),
      fc.anything(),
    )
    .map((x) => JSON.stringify(x) ?? "null");
  const pollution = fc.constantFrom("__proto__", "constructor").map((k) => `{${JSON.stringify(k)}: {"polluted": 1}, ${JSON.stringify(valid).slice(1, -1)}}`);
  const raw = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constant(JSON.stringify(valid).slice(0, -1)),
    fc.constant("{".repeat(3000)),
    fc.constant("[".repeat(3000) + "]".repeat(3000)),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString("latin1")),
    fc.constant(""),
  );
  return fc.oneof({ weight: 3, arbitrary: asJson }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: pollution });
}

function dumpDatabase(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = ["vault_records", "vault_attempts", "vault_heads", "vault_secrets", "vault_test_clock"];
    return JSON.stringify(
      tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()),
      (_k, v) => (v instanceof Buffer ? v.toString("hex") : v),
    );
  } finally {
    db.close();
  }
}

test("fuzz every endpoint: never 5xx, always a typed error, never a state change", async (t) => {
  const tv = await startTestVault(t, { testClock: true });
  const client = await tv.client("alice");
  const rootKey = generateRootKey();
  await client.enable("alice's password", rootKey);
  await client.unlock("wrong").catch(() => {});
  await client.advanceHead({ sequence: 5, digest: new Uint8Array(32).fill(3), rootKey });
  const auth = { authorization: `Bearer ${await tv.token("alice")}` };
  const before = dumpDatabase(`${tv.dir}/vault.db`);
  const codes = new Set(Object.keys(VAULT_ERROR_STATUS));
  let requests = 0;

  const check = async (url: string, payload: string | Buffer, headers: Record<string, string>) => {
    const res = await tv.vault.app.inject({ method: "POST", url, payload, headers: { ...auth, ...headers } });
    requests++;
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} answered ${res.statusCode} to ${String(payload).slice(0, 80)}`);
    const body = res.json() as { error?: { code?: string; message?: string } };
    assert.ok(body.error && codes.has(body.error.code!), `${url}: untyped error ${res.body.slice(0, 100)}`);
    assert.ok(!String(body.error.message).includes(String(payload).slice(0, 20)) || String(payload).length < 20, "errors never echo input");
  };

  for (const [url, valid] of Object.entries(VALID)) {
    // Well-formed but cryptographically invalid (all-zero OPAQUE messages, unknown login,
    // forged session, older head): refused before anything is counted or written.
    if (url !== VAULT_PATHS.testClock) await check(url, JSON.stringify(valid), { "content-type": "application/json" });
    await fc.assert(
      fc.asyncProperty(mutated(valid), async (payload) => check(url, payload, { "content-type": "application/json" })),
      { numRuns: 120 },
    );
    await check(url, JSON.stringify({ ...valid, pad: "A".repeat(64 * 1024) }), { "content-type": "application/json" });
    await check(url, Buffer.alloc(2 * 1024 * 1024, 0x41), { "content-type": "application/json" });
    await check(url, JSON.stringify(valid), { "content-type": "text/plain" });
    await check(url, JSON.stringify(valid), { "content-type": "application/x-www-form-urlencoded" });
  }
  // GET endpoints ignore bodies but must survive odd requests too.
  for (const url of [VAULT_PATHS.status, VAULT_PATHS.head]) {
    const res = await tv.vault.app.inject({ method: "GET", url: url + "?x=%ZZ&y=" + "A".repeat(3000), headers: auth });
    assert.ok(res.statusCode < 500);
  }
  const del = await tv.vault.app.inject({ method: "DELETE", url: VAULT_PATHS.head, headers: auth });
  assert.equal(del.statusCode, 404);
  t.diagnostic(`${requests} malformed requests`);
  assert.equal(dumpDatabase(`${tv.dir}/vault.db`), before, "the database is unchanged");
  assert.ok(!tv.logs.some((l) => /"level":50/.test(l)), "no internal errors logged");
});
