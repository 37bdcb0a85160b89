/** The SQLite vault schema (spec/vault-protocol.md §10.1); `migrate()` in sqlite.ts applies it and the added columns. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_records (
  account_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('active', 'destroyed')),
  version INTEGER NOT NULL,
  sealed_record BLOB,
  key_stretching TEXT,
  consecutive_failures INTEGER NOT NULL,
  total_failures INTEGER NOT NULL,
  lockouts INTEGER NOT NULL,
  locked_until INTEGER,
  last_login_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  destroyed_at INTEGER,
  record_id TEXT,
  head_key BLOB,
  state_mac BLOB
);
CREATE TABLE IF NOT EXISTS vault_attempts (
  login_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'success', 'failed')),
  sealed_state BLOB
);
-- An account's attempts newest first, ties by login ID (spec §5.7): the history and the pruning read
-- them in this order straight from the index, without sorting. It replaces vault_attempts_by_account
-- (account_id, started_at), dropped below; an insert still writes one index entry.
CREATE INDEX IF NOT EXISTS vault_attempts_newest_by_account ON vault_attempts (account_id, started_at DESC, login_id);
CREATE TABLE IF NOT EXISTS vault_heads (
  account_id TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL,
  digest TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  signature TEXT
);
CREATE TABLE IF NOT EXISTS vault_secrets (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sealer_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
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
DROP INDEX IF EXISTS vault_attempts_by_account;
`;

/** Created only by `migrate({ testClock: true })`: the shared test clock offset (spec §9.3) is no part of a production schema. */
export const TEST_CLOCK_SCHEMA = `
CREATE TABLE IF NOT EXISTS vault_test_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  offset_ms INTEGER NOT NULL
);
`;
