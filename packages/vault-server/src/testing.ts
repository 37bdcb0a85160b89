/**
 * `@chatvault/vault-server/testing`: test and load-test support, kept out of the main entry
 * so a server build never carries it. Node only. An in-process vault for a test
 * (`startTestVault`), the vault as its own process (`spawnVaultProcess`, `spawnVault`),
 * realms as processes (`startRealms`) and a hand-driven realm client (`RealmDriver`),
 * throwaway PostgreSQL databases, and a keep-alive `fetch` for load tests.
 */
export { startTestVault, spawnVault, createTestDatabase, postgresAvailable, PG_ADMIN_URL, type TestVault, type SpawnedVault } from "./test-vault.ts";
export { VAULT_MAIN_PATH, postgresReachable, spawnVaultProcess, type SpawnVaultOptions, type VaultProcess } from "./process.ts";
export { createKeepAliveFetch, type KeepAliveFetch, type KeepAliveFetchOptions } from "./load-client.ts";
export { startRealms, softhsmAvailable, SOFTHSM_MODULE, type RealmSpec, type RealmUnderTest } from "./realm/realm-processes.ts";
export { RealmDriver, type Answer } from "./realm/realm-driver.ts";
