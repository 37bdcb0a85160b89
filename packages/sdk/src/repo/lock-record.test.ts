/**
 * Lock objects (spec §8.11) are bytes the storage provider controls: round trip, binding
 * to their name, and random or mutated input yields only typed errors (fast-check).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ChatvaultError, IntegrityError, KeySchedule, generateRootKey, utf8 } from "@chatvault/format";
import { parseConfig } from "./config.ts";
import { type LockRecord, MAX_LOCK_OBJECT, decodeLockRecord, modesConflict, openLockRecord, sealLockRecord } from "./lock-record.ts";

const REPO = "ab".repeat(16);
const record: LockRecord = {
  repoId: REPO,
  lockId: "cd".repeat(16),
  mode: "append",
  operation: "backup",
  host: "laptop",
  pid: 4242,
  since: "2026-12-01T10:00:00.000Z",
  expires: "2026-12-01T10:05:00.000Z",
};

function onlyTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ChatvaultError)) throw e;
  }
}

test("lock record: seal/open round trip, bound to its name, repository and size", async () => {
  const keys = await KeySchedule.derive(generateRootKey());
  const name = `locks/${"01".repeat(16)}`;
  const sealed = await sealLockRecord(keys, name, record);
  assert.deepEqual(await openLockRecord(keys, REPO, name, sealed), record);
  await assert.rejects(
    openLockRecord(keys, REPO, `locks/${"02".repeat(16)}`, sealed),
    (e: unknown) => e instanceof IntegrityError && e.reason === "auth_failed",
    "moved to another name",
  );
  await assert.rejects(openLockRecord(keys, "ef".repeat(16), name, sealed), /another repository/);
  await assert.rejects(openLockRecord(await KeySchedule.derive(generateRootKey()), REPO, name, sealed), { reason: "auth_failed" });
  await assert.rejects(openLockRecord(keys, REPO, name, new Uint8Array(MAX_LOCK_OBJECT + 1)), { reason: "bad_structure" });
});

test("lock record: which modes conflict", () => {
  const table: [LockRecord["mode"], LockRecord["mode"], boolean][] = [
    ["shared", "shared", false],
    ["shared", "append", false],
    ["append", "append", true],
    ["shared", "exclusive", true],
    ["append", "exclusive", true],
    ["exclusive", "exclusive", true],
  ];
  for (const [a, b, want] of table) {
    assert.equal(modesConflict(a, b), want, `${a}/${b}`);
    assert.equal(modesConflict(b, a), want, `${b}/${a}`);
  }
});

test("lock record: random and mutated plaintext gives only typed errors", () => {
  const valid = utf8(JSON.stringify({ v: 1, ...record }));
  assert.deepEqual(decodeLockRecord(valid, REPO, "locks/x"), record);
  const mutated = fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = valid.slice();
      b[i % b.length] = b[i % b.length]! ^ x;
      return b;
    }),
    fc.nat().map((n) => valid.slice(0, n % (valid.length + 1))),
    fc.json().map((j) => utf8(j)),
    fc.uint8Array({ maxLength: 300 }),
  );
  fc.assert(
    fc.property(mutated, (b) => onlyTyped(() => decodeLockRecord(b, REPO, "locks/x"))),
    { numRuns: 3000 },
  );
  for (const bad of [
    { ...record, mode: "write" },
    { ...record, pid: -1 },
    { ...record, expires: "soon" },
    { ...record, lockId: "x" },
    { ...record, host: "" },
  ]) {
    assert.throws(() => decodeLockRecord(utf8(JSON.stringify({ v: 1, ...bad })), REPO, "locks/x"), { reason: "bad_structure" });
  }
});

test("config version 2: random and mutated bytes give only typed errors", () => {
  const config = utf8(
    JSON.stringify({
      format: "chatvault-repository",
      version: 2,
      repoId: REPO,
      created: "x",
      protection: "password",
      vaultUrl: "https://vault.example",
      chunker: { min: 16384, avg: 65536, max: 262144 },
      packSize: 8388608,
      keyCheck: "AAAAAAAAAAAAAAAAAAAAAA",
      mac: "A".repeat(43),
    }),
  );
  assert.equal(parseConfig(config).config.version, 2);
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const b = config.slice();
      b[i % b.length] = b[i % b.length]! ^ x;
      onlyTyped(() => parseConfig(b));
    }),
    { numRuns: 3000 },
  );
});
