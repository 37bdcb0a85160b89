/**
 * Fuzz every realm endpoint (spec/threshold-vault.md §5, §13): malformed JSON, wrong
 * types, missing/extra fields (top level and inside the registration), bad base64url,
 * wrong lengths, huge bodies, wrong media types. Never a 5xx, always a typed realm error
 * that does not echo the input, and never a change to the database.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import fc from "fast-check";
import { startTestVault } from "../test-vault.ts";
import { REALM_ERROR_STATUS, REALM_PATHS } from "./protocol.ts";
import { Point, RealmDriver, buildRegistration } from "./test-realm.ts";

type Body = Record<string, unknown>;
const A = (chars: number) => "A".repeat(chars);

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.string({ maxLength: 40 }),
  fc.constant("!!!!" + A(40)),
  fc.constant(A(5000)),
  fc.constant("="),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.constant(A(43) + "\u0000"),
  fc.constant(A(42) + "="),
);

function stillValid(original: unknown, v: unknown): boolean {
  if (typeof original === "number") return Number.isInteger(v);
  if (typeof original === "string") return typeof v === "string" && v.length === original.length && /^[A-Za-z0-9_-]*$/.test(v);
  return false;
}

/** Drop a field, add one, or replace a value with garbage — in `o` itself. */
function broken(o: Body): fc.Arbitrary<Body> {
  const keys = Object.keys(o);
  const scalars = keys.filter((k) => typeof o[k] === "string" || typeof o[k] === "number");
  const truncated =
    scalars.length === 0
      ? []
      : [
          fc
            .tuple(fc.constantFrom(...scalars), fc.integer({ min: 1, max: 3 }))
            .map(([k, d]) => ({ ...o, [k]: typeof o[k] === "string" ? (o[k] as string).slice(d) : -d })),
        ];
  return fc.oneof(
    fc.constantFrom(...keys).map((k) => {
      const x = { ...o };
      delete x[k];
      return x;
    }),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 8 }), wrongValue)
      .filter(([k]) => !keys.includes(k))
      .map(([k, v]) => ({ ...o, [k]: v })),
    fc
      .tuple(fc.constantFrom(...keys), wrongValue)
      .filter(([k, v]) => !stillValid(o[k], v))
      .map(([k, v]) => ({ ...o, [k]: v })),
    ...truncated,
  );
}

function mutated(valid: Body): fc.Arbitrary<string> {
  const nested = Object.entries(valid)
    .filter(([, v]) => v && typeof v === "object")
    .map(([k, v]) => broken(v as Body).map((b) => ({ ...valid, [k]: b })));
  const asJson = fc.oneof(broken(valid), ...nested, fc.anything()).map((x) => JSON.stringify(x) ?? "null");
  const pollution = fc.constantFrom("__proto__", "constructor").map((k) => `{${JSON.stringify(k)}: {"polluted": 1}, ${JSON.stringify(valid).slice(1, -1)}}`);
  const raw = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constant(JSON.stringify(valid).slice(0, -1)),
    fc.constant("{".repeat(3000)),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString("latin1")),
    fc.constant(""),
  );
  return fc.oneof({ weight: 4, arbitrary: asJson }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: pollution });
}

function dump(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = ["realm_accounts", "realm_attempts", "vault_records", "vault_attempts", "vault_heads", "vault_secrets"];
    return JSON.stringify(
      tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()),
      (_k, v) => (v instanceof Buffer ? v.toString("hex") : v),
    );
  } finally {
    db.close();
  }
}

test("fuzz every realm endpoint: never 5xx, always a typed error, never a state change", async (t) => {
  const tv = await startTestVault(t);
  const realm = await RealmDriver.connect(tv.url, await tv.token("alice"));
  const reg = await buildRegistration([realm], 1, "alice", "pw");
  assert.equal((await realm.register(reg.registrations[0]!)).status, 200);
  const info = (await realm.record()).body.current!;
  const registration = reg.registrations[0]! as unknown as Body;
  const ref = { version: info.version, registrationId: info.registrationId };
  const VALID: Record<string, Body> = {
    // Well-formed but refused without any write: already enabled, a version not held,
    // an unknown attempt, a bad admin signature, a bad head signature.
    [REALM_PATHS.register]: { registration },
    [REALM_PATHS.evaluate]: { version: 7, registrationId: info.registrationId, blinded: Buffer.from(Point.BASE.toBytes()).toString("base64url") },
    [REALM_PATHS.proof]: { attemptId: A(22) },
    [REALM_PATHS.unlock]: { attemptId: A(22), unlockTag: A(43) },
    [REALM_PATHS.admin]: { op: "prepare", target: ref, registration: { ...registration, version: 2 }, issuedAt: Date.now(), signature: A(86) },
    [REALM_PATHS.head]: { sequence: 1, digest: A(43), signature: A(86) },
  };
  const auth = { authorization: `Bearer ${await tv.token("alice")}` };
  const before = dump(`${tv.dir}/vault.db`);
  const codes = new Set(Object.keys(REALM_ERROR_STATUS));
  let requests = 0;
  const check = async (url: string, payload: string | Buffer, headers: Record<string, string>) => {
    const res = await tv.vault.app.inject({ method: "POST", url, payload, headers: { ...auth, ...headers } });
    requests++;
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} answered ${res.statusCode} to ${String(payload).slice(0, 120)}`);
    const body = res.json() as { error?: { code?: string; message?: string } };
    assert.ok(body.error && codes.has(body.error.code!), `${url}: untyped error ${res.body.slice(0, 100)}`);
    const p = String(payload);
    assert.ok(p.length < 20 || !String(body.error.message).includes(p.slice(0, 20)), "errors never echo input");
  };
  for (const [url, valid] of Object.entries(VALID)) {
    await check(url, JSON.stringify(valid), { "content-type": "application/json" });
    await fc.assert(
      fc.asyncProperty(mutated(valid), async (payload) => check(url, payload, { "content-type": "application/json" })),
      { numRuns: 150 },
    );
    await check(url, JSON.stringify({ ...valid, pad: A(64 * 1024) }), { "content-type": "application/json" });
    await check(url, Buffer.alloc(2 * 1024 * 1024, 0x41), { "content-type": "application/json" });
    await check(url, JSON.stringify(valid), { "content-type": "text/plain" });
  }
  // recover/start (§5.3.1): a well-formed body naming a registration not held answers the record view (200) and
  // writes nothing; every mutation answers that or a typed 4xx. The registration ID is one the realm never held.
  const start = { version: info.version, registrationId: A(22), blinded: Buffer.from(Point.BASE.toBytes()).toString("base64url") };
  const checkStart = async (payload: string | Buffer, headers: Record<string, string>) => {
    const res = await tv.vault.app.inject({ method: "POST", url: REALM_PATHS.start, payload, headers: { ...auth, ...headers } });
    requests++;
    if (res.statusCode === 200) {
      const body = res.json() as { evaluation: unknown; record: { state: string } };
      assert.equal(body.evaluation, null, "a start for a registration not held evaluates nothing");
      return;
    }
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `start answered ${res.statusCode} to ${String(payload).slice(0, 120)}`);
    const body = res.json() as { error?: { code?: string } };
    assert.ok(body.error && codes.has(body.error.code!), `start: untyped error ${res.body.slice(0, 100)}`);
  };
  await checkStart(JSON.stringify(start), { "content-type": "application/json" });
  await fc.assert(
    fc.asyncProperty(mutated(start), async (payload) => checkStart(payload, { "content-type": "application/json" })),
    { numRuns: 150 },
  );
  await checkStart(JSON.stringify({ ...start, pad: A(64 * 1024) }), { "content-type": "application/json" });
  await checkStart(Buffer.alloc(2 * 1024 * 1024, 0x41), { "content-type": "application/json" });
  await checkStart(JSON.stringify(start), { "content-type": "text/plain" });
  // Well-formed registrations that §4.2 refuses: another realm, k_i·G ≠ Y_i, t > n, zero share.
  const other = { ...registration, realmId: A(22) };
  const mismatch = { ...registration, oprfPublicShare: Buffer.from(Point.BASE.toBytes()).toString("base64url") };
  const tn = { ...registration, threshold: 3, realmCount: 2 };
  const zero = { ...registration, wrapShare: A(43) };
  for (const r of [other, mismatch, tn, zero]) await check(REALM_PATHS.register, JSON.stringify({ registration: r }), { "content-type": "application/json" });
  for (const url of [REALM_PATHS.record, REALM_PATHS.head, REALM_PATHS.info]) {
    const res = await tv.vault.app.inject({ method: "GET", url: url + "?x=%ZZ&y=" + A(3000), headers: auth });
    assert.ok(res.statusCode < 500);
  }
  t.diagnostic(`${requests} malformed realm requests`);
  assert.equal(dump(`${tv.dir}/vault.db`), before, "the database is unchanged");
  assert.ok(!tv.logs.some((l) => /"level":50/.test(l)), "no internal errors logged");
});
