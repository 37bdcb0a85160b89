/**
 * The one conformance suite every `VaultStore` passes (spec/vault-protocol.md §10).
 * `sqlite.test.ts` and `postgres.test.ts` run it; a new backend adds one such file.
 */
import { test, type TestContext } from "node:test";
import type { VaultStore } from "./vault-store.ts";
import { authenticatedVaultStore } from "./authenticated.ts";
import { type RawSql, type VaultStoreFactory, TEST_CRYPTO } from "./conformance-fixtures.ts";
import { integrityConformance } from "./conformance-integrity.ts";
import { historyConformance } from "./conformance-history.ts";
import { recordConformance } from "./conformance-records.ts";
import { attemptConformance } from "./conformance-attempts.ts";
import { headConformance } from "./conformance-heads.ts";
import { vaultRowConformance } from "./conformance-vault-rows.ts";

export function storeConformance(name: string, make: VaultStoreFactory): void {
  const withRepo = (title: string, fn: (store: VaultStore, t: TestContext, sql: RawSql, raw: VaultStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const made = await make(t);
      if (!made) return;
      await made.store.migrate();
      await made.store.migrate(); // idempotent
      t.after(() => made.store.close());
      await fn(authenticatedVaultStore(made.store, TEST_CRYPTO), t, made.sql, made.store);
    });
  integrityConformance(withRepo);
  historyConformance(withRepo);
  recordConformance(withRepo);
  attemptConformance(withRepo);
  headConformance(withRepo);
  vaultRowConformance(withRepo);
}
