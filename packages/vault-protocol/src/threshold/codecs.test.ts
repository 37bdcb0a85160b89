/**
 * The realm-answer parsers (spec/threshold-vault.md §5): parse∘serialize = id on valid
 * answers, and fuzzing — random JSON, random bytes, and single-field mutations of valid
 * answers — gives a value or a RealmProtocolError, never another exception.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromBase64Url, toBase64Url } from "@chatvault/format";
import {
  decodeField,
  parseAdminResponse,
  parseEvaluateResponse,
  parseStartResponse,
  parseInfoResponse,
  parseProofResponse,
  parseRealmHead,
  parseRecordResponse,
  parseRegisterResponse,
  parseRegistration,
  parseUnlockResponse,
} from "./codecs.ts";
import { RealmProtocolError } from "./errors.ts";
import { realmErrorFromResponse } from "./transport.ts";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toBase64Url);
const u32 = fc.integer({ min: 1, max: 0xffffffff });
const time = fc.integer({ min: 0, max: 2 ** 45 });
const ksf = fc.record({
  memoryKiB: fc.integer({ min: 128, max: 1 << 20 }),
  iterations: fc.integer({ min: 1, max: 64 }),
  parallelism: fc.integer({ min: 1, max: 16 }),
});
const tn = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n), fc.integer({ min: 1, max: n })));
const info = fc.tuple(tn, u32, bytes(16), bytes(32), ksf, bytes(32), bytes(32), bytes(32)).map(([[t, n, i], version, rid, salt, k, y, hpk, apk]) => ({
  version,
  registrationId: rid,
  shareIndex: i,
  threshold: t,
  realmCount: n,
  salt,
  ksf: k,
  oprfPublicShare: y,
  headPublicKey: hpk,
  adminPublicKey: apk,
}));
const registration = fc.tuple(info, bytes(16), bytes(32), bytes(32), bytes(32), bytes(32), bytes(32), bytes(60)).map(([i, realmId, k, ut, uc, z, st, e]) => ({
  ...i,
  realmId,
  oprfKeyShare: k,
  unlockTag: ut,
  unlockCheck: uc,
  wrapShare: z,
  shareTag: st,
  wrappedRootKey: e,
}));
const policy = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 100 }),
  lockBaseMs: time,
  lockFactor: fc.integer({ min: 1, max: 10 }),
  lockCapMs: time,
  failureBudget: fc.integer({ min: 1, max: 1000 }),
});
const record = fc.oneof(
  fc.record({
    state: fc.constantFrom("none" as const, "destroyed" as const),
    current: fc.constant(null),
    next: fc.constant(null),
    attemptsRemaining: fc.nat(100),
    lockedUntil: fc.option(time),
    policy,
  }),
  fc
    .tuple(info, fc.option(info), fc.nat(100), fc.option(time), policy)
    .map(([c, nx, a, l, p]) => ({
      state: "active" as const,
      current: c,
      next: nx ? { ...nx, version: Math.min(0xffffffff, c.version + 1) } : null,
      attemptsRemaining: a,
      lockedUntil: l,
      policy: p,
    }))
    .filter((r) => r.next === null || r.next.version > r.current.version),
);
const ref = fc.record({ version: u32, registrationId: bytes(16) });
const head = fc.oneof(
  fc.constant({ sequence: 0, digest: null, signature: null }),
  fc.record({ sequence: fc.integer({ min: 1, max: 2 ** 40 }), digest: fc.integer({ min: 16, max: 64 }).chain(bytes), signature: bytes(64) }),
);

const PARSERS = {
  info: [
    parseInfoResponse,
    fc.record(
      {
        protocol: fc.constant("chatvault-realm/2"),
        realmId: bytes(16),
        versions: fc.constantFrom(["chatvault-realm/2"], ["chatvault-realm/2", "chatvault-realm/3"], ["chatvault-realm/3", "chatvault-realm/2", "x/9"]),
      },
      { requiredKeys: ["protocol", "realmId"] },
    ),
  ],
  record: [parseRecordResponse, record],
  register: [parseRegisterResponse, ref.map((r) => ({ state: "active", ...r }))],
  evaluate: [
    parseEvaluateResponse,
    fc.record({ attemptId: bytes(16), evaluated: bytes(32), unlockCheck: bytes(32), attemptsRemaining: fc.nat(100), lockedUntil: fc.option(time) }),
  ],
  start: [
    parseStartResponse,
    fc
      .record({
        record,
        evaluation: fc.option(
          fc.record({ attemptId: bytes(16), evaluated: bytes(32), unlockCheck: bytes(32), attemptsRemaining: fc.nat(100), lockedUntil: fc.option(time) }),
        ),
      })
      // An evaluation only beside an active record (§5.3.1; the other case is a refusal, tested below).
      .filter((a) => a.evaluation === null || a.record.state === "active"),
  ],
  proof: [parseProofResponse, fc.record({ proof: bytes(64) })],
  unlock: [parseUnlockResponse, fc.record({ wrapShare: bytes(32), shareTag: bytes(32), wrappedRootKey: bytes(60) })],
  admin: [
    parseAdminResponse,
    fc.record({ op: fc.constantFrom("prepare", "commit", "abort", "repair", "delete"), current: fc.option(ref), next: fc.option(ref) }),
  ],
  head: [parseRealmHead, head],
  registration: [parseRegistration, registration],
} as const satisfies Record<string, readonly [(x: unknown) => unknown, fc.Arbitrary<unknown>]>;

for (const [name, [parse, arb]] of Object.entries(PARSERS)) {
  test(`${name}: parse(JSON round trip) is the identity`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        const wire = JSON.parse(JSON.stringify(v)) as unknown;
        assert.deepEqual(parse(wire), wire);
        assert.equal(JSON.stringify(parse(wire)), JSON.stringify(v));
      }),
      { numRuns: 200 },
    );
  });

  test(`${name}: random JSON, random bytes and mutated answers give a value or RealmProtocolError, never a crash`, () => {
    const typed = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof RealmProtocolError, `${name}: ${String(e)}`);
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), (j) => typed(() => parse(j))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) =>
        typed(() => {
          let j: unknown;
          try {
            j = JSON.parse(new TextDecoder().decode(b));
          } catch {
            j = new TextDecoder().decode(b);
          }
          return parse(j);
        }),
      ),
      { numRuns: 300 },
    );
    // Mutate one field of a valid answer: drop it, or replace it by something of another shape.
    fc.assert(
      fc.property(arb, fc.nat(), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string()), (v, pick, junk) => {
        const o = structuredClone(v) as Record<string, unknown>;
        const keys = Object.keys(o);
        const k = keys[pick % keys.length]!;
        if (junk === undefined) delete o[k];
        else o[k] = junk;
        typed(() => parse(o));
      }),
      { numRuns: 500 },
    );
  });
}

test("binary fields must be canonical base64url of the exact size", () => {
  assert.ok(decodeField("AAAAAAAAAAAAAAAAAAAAAA", 16));
  assert.equal(decodeField("AAAAAAAAAAAAAAAAAAAAAB", 16), null, "trailing bits set");
  assert.equal(decodeField("AAAAAAAAAAAAAAAAAAAAAA==", 16), null, "padding");
  assert.equal(decodeField("AAAAAAAAAAAAAAAAAAAAA", 16), null, "short");
  assert.equal(decodeField("AAAAAAAAAAAAAAAAAAAA+A", 16), null, "not url-safe");
  assert.equal(decodeField(123, 16), null);
});

test("decodeField accepts exactly the strings that re-encode to themselves (no re-encoding needed)", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=".split("");
  for (const bytes of [1, 2, 3, 16, 31, 32, 33, 64]) {
    const length = Math.ceil((bytes * 4) / 3);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { minLength: length, maxLength: length }),
        fc.uint8Array({ minLength: bytes, maxLength: bytes }),
        (chars, raw) => {
          const v = chars.join("");
          const b = decodeField(v, bytes);
          let canonical = false;
          try {
            canonical = /^[A-Za-z0-9_-]*$/.test(v) && toBase64Url(fromBase64Url(v)) === v;
          } catch {
            canonical = false;
          }
          assert.equal(b !== null, canonical, v);
          if (b) assert.equal(toBase64Url(b), v);
          assert.deepEqual(decodeField(toBase64Url(raw), bytes), raw);
        },
      ),
      { numRuns: 300 },
    );
  }
});

test("a start answer with an evaluation beside a record that is not active is refused (§5.3.1)", () => {
  const policy = { maxAttempts: 5, lockBaseMs: 1, lockFactor: 4, lockCapMs: 9, failureBudget: 20 };
  const evaluation = { attemptId: "A".repeat(22), evaluated: "A".repeat(43), unlockCheck: "A".repeat(43), attemptsRemaining: 4, lockedUntil: null };
  for (const state of ["none", "destroyed"])
    assert.throws(
      () => parseStartResponse({ record: { state, current: null, next: null, attemptsRemaining: 5, lockedUntil: null, policy }, evaluation }),
      RealmProtocolError,
    );
});

test("record answers that contradict themselves are refused", () => {
  const base = { attemptsRemaining: 5, lockedUntil: null, policy: { maxAttempts: 5, lockBaseMs: 1, lockFactor: 4, lockCapMs: 9, failureBudget: 20 } };
  assert.throws(() => parseRecordResponse({ ...base, state: "active", current: null, next: null }), RealmProtocolError);
  assert.throws(() => parseRecordResponse({ ...base, state: "bogus", current: null, next: null }), RealmProtocolError);
  assert.throws(() => parseRealmHead({ sequence: 0, digest: "AAAAAAAAAAAAAAAAAAAAAA", signature: null }), RealmProtocolError);
});

test("error answers map to typed errors; 5xx and unknown codes never pass as a refusal", () => {
  const e = realmErrorFromResponse(423, { error: { code: "locked", message: "x", retryAfter: 5 } }) as unknown as { realmCode: string; retryAfterMs: number };
  assert.equal(e.realmCode, "locked");
  assert.equal(e.retryAfterMs, 5);
  assert.equal(realmErrorFromResponse(500, { error: { code: "state_invalid" } }).constructor.name, "RealmUnreachableError");
  assert.ok(realmErrorFromResponse(418, { error: { code: "teapot" } }) instanceof RealmProtocolError);
  fc.assert(
    fc.property(fc.integer({ min: 400, max: 599 }), fc.jsonValue(), (status, body) => {
      assert.ok(realmErrorFromResponse(status, body) instanceof Error);
    }),
    { numRuns: 300 },
  );
});
