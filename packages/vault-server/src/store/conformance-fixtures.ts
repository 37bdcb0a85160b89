/**
 * Fixtures shared by the conformance suite's files (`conformance.ts` and the parts it
 * runs): the fixed record key, record IDs, and helpers that enable a record and start a
 * login. Apart from the suite so its parts import these without an import cycle.
 */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_POLICY } from "../policy.ts";
import type { VaultStore } from "./vault-store.ts";
import { createRecord, startAttempt } from "./record-transitions.ts";
import { RecordCrypto } from "../sealing/record-crypto.ts";
import { VaultSecrets } from "../sealing/vault-secrets.ts";

/** Raw SQL on the database under test, with `?` placeholders (tamper tests play a database writer). */
export type RawSql = (query: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;
/** The store as opened by the server (raw; the suite adds the row authentication) and raw SQL on its database. */
export type VaultStoreFactory = (t: TestContext) => Promise<{ store: VaultStore; sql: RawSql } | null>;

export const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
export const KS = JSON.stringify({ algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 });
/** Record rows are authenticated under a record key; the suite uses a fixed one. */
export const TEST_CRYPTO = new RecordCrypto(new VaultSecrets("unused-server-setup", new Uint8Array(32).fill(42), "AAAAAAAAAAAAAAAAAAAAAA"));
let ids = 0;
export const newRecordId = () => `rid-${++ids}-${Math.random().toString(36).slice(2)}`;

export function create(store: VaultStore, accountId: string, o: { version?: number; now?: number; recordId?: string; sealedRecord?: Uint8Array } = {}) {
  return createRecord(store, {
    accountId,
    version: o.version ?? 1,
    firstVersion: 1,
    sealedRecord: o.sealedRecord ?? bytes(64),
    keyStretching: KS,
    headKey: null,
    recordId: o.recordId ?? newRecordId(),
    now: o.now ?? 1000,
  });
}

export type WithRepo = (title: string, fn: (store: VaultStore, t: TestContext, sql: RawSql, raw: VaultStore) => Promise<void>) => void;

/** Enables a record (version 1) and returns its record ID. */
export async function enabled(store: VaultStore, accountId: string, now = 1000) {
  const r = await create(store, accountId, { now });
  assert.deepEqual(r, { kind: "created", version: 1 });
  return (await store.getRecord(accountId))!.recordId!;
}

/** How many logins `start` has started: the last one's ID begins with `login-${startedLogins}-`. */
export let startedLogins = 0;
export const start = (store: VaultStore, accountId: string, now: number, version = 1) =>
  startAttempt(store, {
    accountId,
    expectedVersion: version,
    now,
    policy: DEFAULT_POLICY,
    loginId: `login-${++startedLogins}-${Math.random()}`,
    sealedState: bytes(32, 9),
  });
