/** Server-side keyed functions (spec §5.1, §5.4, §10.4): fake login IDs, first versions, row MACs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isValidAccountId } from "@chatvault/vault-protocol";
import type { RecordRow } from "../store/vault-store.ts";
import { RecordCrypto, encodeAad } from "./record-crypto.ts";
import { VaultSecrets } from "./vault-secrets.ts";

const crypto = new RecordCrypto(new VaultSecrets("unused", new Uint8Array(32).fill(5), "AAAAAAAAAAAAAAAAAAAAAA"));
const other = new RecordCrypto(new VaultSecrets("unused", new Uint8Array(32).fill(6), "AAAAAAAAAAAAAAAAAAAAAA"));

test("fake login IDs: look like 16 random bytes, open only for their account and vault, fuzzed", () => {
  const id = crypto.fakeLoginId("alice", 1_900_000_000_000);
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(crypto.openFakeLoginId("alice", id), 1_900_000_000_000);
  assert.equal(crypto.openFakeLoginId("bob", id), null);
  assert.equal(other.openFakeLoginId("alice", id), null);
  assert.notEqual(crypto.fakeLoginId("alice", 1_900_000_000_001), id);
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => assert.equal(crypto.openFakeLoginId("alice", s), null)),
    { numRuns: 500 },
  );
});

test("first record versions: keyed, stable, in [1, 2^31]", () => {
  const v = crypto.firstRecordVersion("alice");
  assert.equal(crypto.firstRecordVersion("alice"), v);
  assert.notEqual(other.firstRecordVersion("alice"), v);
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 30 }).filter(isValidAccountId), (a) => {
      const x = crypto.firstRecordVersion(a);
      assert.ok(Number.isInteger(x) && x >= 1 && x <= 2 ** 31);
    }),
    { numRuns: 200 },
  );
});

test("row MAC: any change of a covered field breaks it; the account must be well-formed", () => {
  const row: RecordRow = {
    accountId: "alice",
    recordId: "rid",
    state: "active",
    version: 3,
    sealedRecord: new Uint8Array([1, 2]),
    keyStretching: "{}",
    headKey: new Uint8Array(32).fill(1),
    stateMac: null,
    consecutiveFailures: 1,
    totalFailures: 2,
    lockouts: 0,
    lockedUntil: null,
    lastLoginExpiresAt: 10,
    createdAt: 1,
    updatedAt: 2,
    destroyedAt: null,
  };
  const signed = { ...row, stateMac: new Uint8Array(crypto.rowMac(row)) };
  assert.ok(crypto.rowMacValid(signed));
  assert.ok(crypto.rowMacValid({ ...signed, updatedAt: 99 }), "updatedAt is informational");
  assert.ok(!other.rowMacValid(signed));
  const changes: Array<Partial<RecordRow>> = [
    { recordId: "rie" },
    { state: "destroyed" },
    { version: 4 },
    { sealedRecord: new Uint8Array([1, 3]) },
    { sealedRecord: null },
    { keyStretching: "{ }" },
    { headKey: null },
    { consecutiveFailures: 0 },
    { totalFailures: 0 },
    { lockouts: 1 },
    { lockedUntil: 5 },
    { lastLoginExpiresAt: null },
    { createdAt: 2 },
    { destroyedAt: 3 },
    { accountId: "alicf" },
    { stateMac: null },
  ];
  for (const c of changes) assert.ok(!crypto.rowMacValid({ ...signed, ...c }), JSON.stringify(Object.keys(c)));
  assert.throws(() => crypto.rowMac({ ...row, accountId: "x\ud800" }), TypeError);
});

// The AAD bytes are part of every stored seal and MAC (spec §10.4): the in-place encoder must
// give exactly the bytes of the definition, for any field (lone surrogates as U+FFFD).
test("encodeAad gives the bytes of its definition for any fields", () => {
  const reference = (label: string, fields: Array<string | number>): Buffer => {
    const te = new TextEncoder();
    const parts: Buffer[] = [Buffer.from(te.encode(label)), Buffer.of(0)];
    for (const f of fields) {
      const b = Buffer.from(te.encode(String(f)));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
    return Buffer.concat(parts);
  };
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => isValidAccountId(s)),
      fc.array(fc.oneof(fc.string({ unit: "binary" }), fc.integer(), fc.string({ unit: "grapheme" }), fc.constantFrom("x\ud800y", "\udc00", "")), {
        maxLength: 8,
      }),
      fc.string({ unit: "binary" }),
      (account, rest, label) => {
        assert.deepEqual(encodeAad(label, [account, ...rest]), reference(label, [account, ...rest]));
      },
    ),
    { numRuns: 2000 },
  );
});

test("sealed records: open only under their account and version, also once an open was remembered", () => {
  const payload = { registrationRecord: "cmVj", wrappedRootKey: { nonce: "bm9uY2U", ciphertext: "Y3Q" } };
  const sealed = crypto.sealRecord("alice", 4, payload);
  assert.deepEqual(crypto.openRecord("alice", 4, sealed), payload);
  assert.deepEqual(crypto.openRecord("alice", 4, sealed), payload); // the remembered open
  assert.ok(Object.isFrozen(crypto.openRecord("alice", 4, sealed)));
  assert.equal(crypto.openRecord("alice", 5, sealed), null);
  assert.equal(crypto.openRecord("bob", 4, sealed), null);
  assert.equal(other.openRecord("alice", 4, sealed), null);
  const tampered = sealed.slice();
  tampered[20]! ^= 1;
  assert.equal(crypto.openRecord("alice", 4, tampered), null);
  // A caller's later change to its bytes does not change what was remembered.
  const copy = sealed.slice();
  assert.deepEqual(crypto.openRecord("alice", 4, copy), payload);
  copy[20]! ^= 1;
  assert.equal(crypto.openRecord("alice", 4, copy), null);
  // A new record of the account replaces the remembered one.
  const next = crypto.sealRecord("alice", 5, { ...payload, registrationRecord: "bmV4dA" });
  assert.equal(crypto.openRecord("alice", 5, next)?.registrationRecord, "bmV4dA");
  assert.deepEqual(crypto.openRecord("alice", 4, sealed), payload);
});
