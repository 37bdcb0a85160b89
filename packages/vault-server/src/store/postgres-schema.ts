/**
 * The PostgreSQL vault schema (spec/vault-protocol.md §10.1) and its migration: the tables,
 * the columns added after the first release (`rows.ts`) and, for a vault started with the
 * test clock, its table. `PostgresVaultStore.migrate()` runs `migrateSchema` in a transaction.
 */
import type pg from "pg";
import type { MigrateOptions } from "./vault-store.ts";
import { LEGACY_MIGRATION_KEY, addedColumnSteps } from "./rows.ts";

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_records (
  account_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('active', 'destroyed')),
  version INTEGER NOT NULL,
  sealed_record BYTEA,
  key_stretching TEXT,
  consecutive_failures INTEGER NOT NULL,
  total_failures INTEGER NOT NULL,
  lockouts INTEGER NOT NULL,
  locked_until BIGINT,
  last_login_expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  destroyed_at BIGINT,
  record_id TEXT,
  head_key BYTEA,
  state_mac BYTEA
);
CREATE TABLE IF NOT EXISTS vault_attempts (
  login_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'success', 'failed')),
  sealed_state BYTEA
);
CREATE INDEX IF NOT EXISTS vault_attempts_by_account ON vault_attempts (account_id, started_at);
CREATE TABLE IF NOT EXISTS vault_heads (
  account_id TEXT PRIMARY KEY,
  sequence BIGINT NOT NULL,
  digest TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  signature TEXT
);
CREATE TABLE IF NOT EXISTS vault_secrets (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sealer_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS vault_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- The sealed login states still held (spec §6.6): every transition erases its account's expired
-- ones, and the sweep all expired ones, through this one small index (it holds only in-flight
-- logins), so neither reads an account's attempt history. It replaces vault_attempts_sealed
-- (expires_at), dropped so that a login writes one index page fewer.
CREATE INDEX IF NOT EXISTS vault_attempts_sealed_by_account ON vault_attempts (account_id, expires_at) WHERE sealed_state IS NOT NULL;
DROP INDEX IF EXISTS vault_attempts_sealed;
`;

/** Created only by `migrate({ testClock: true })`: the shared test clock offset (spec §9.3) is no part of a production schema. */
export const TEST_CLOCK_SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_test_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  offset_ms BIGINT NOT NULL
);
`;

/** Advisory-lock key space of the vault (any constant; keeps us apart from other users of the DB). */
const MIGRATION_LOCK = 7_471_001;

/** Brings the schema up to date, on a connection in a transaction; vault nodes migrating at once take turns (advisory lock). */
export async function migrateSchema(c: pg.PoolClient, options: MigrateOptions): Promise<void> {
  await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
  await c.query(SCHEMA);
  if (options.testClock) await c.query(TEST_CLOCK_SCHEMA);
  for (const { table, column, add, marksLegacyRows } of addedColumnSteps("postgres")) {
    const has = await c.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
          AND table_name = $1 AND column_name = $2`,
      [table, column],
    );
    if (has.rows.length > 0) continue;
    await c.query(add);
    if (marksLegacyRows) {
      await c.query("INSERT INTO vault_meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING", [LEGACY_MIGRATION_KEY]);
    }
  }
}
