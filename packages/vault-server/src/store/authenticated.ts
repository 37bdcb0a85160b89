/**
 * Authenticated record rows (spec/vault-protocol.md §10.4): a decorator over any
 * `VaultStore` that checks each record row's state MAC on every read and sets it on
 * every write. The MAC (HMAC-SHA256 under a subkey of the record key) covers the row's
 * whole policy state together with its sealed record, so a database writer without the
 * vault's secrets cannot reset counters, lift a lock, undo a destruction or put back an
 * earlier record column by column: the row no longer verifies, and every request on that
 * account is refused with `RecordIntegrityError` (never silently reset). What such a writer
 * can still do — put back a whole earlier row — is stated in SECURITY.md.
 *
 * It also refuses ill-formed account IDs (spec §2) before any query, on both backends.
 */
import { ChatvaultError } from "@chatvault/format";
import { checkAccountId } from "@chatvault/vault-protocol";
import type { RecordCrypto } from "../sealing/record-crypto.ts";
import type {
  AttemptRow,
  ChangeOptions,
  HeadAdvance,
  HeadRow,
  HeadWrite,
  HistoryRow,
  MigrateOptions,
  RecordChange,
  RecordRow,
  SealedSecretsRow,
  VaultStore,
} from "./vault-store.ts";

/** A record row that does not verify: tampered with, or written without the vault's record key. */
export class RecordIntegrityError extends ChatvaultError {
  constructor(readonly accountId: string) {
    super("record_integrity", "the vault record failed its integrity check; refusing to use it", { retryable: false });
    this.name = "RecordIntegrityError";
  }
}

export type RowAuthenticator = Pick<RecordCrypto, "rowMac" | "rowMacValid">;

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null || b === null ? a === b : a.length === b.length && Buffer.compare(a, b) === 0;

/** Equal in every field the state MAC covers, and in the MAC itself (spec §10.4). */
function sameAuthenticatedState(a: RecordRow, b: RecordRow): boolean {
  return (
    a.accountId === b.accountId &&
    a.recordId === b.recordId &&
    a.state === b.state &&
    a.version === b.version &&
    a.keyStretching === b.keyStretching &&
    a.consecutiveFailures === b.consecutiveFailures &&
    a.totalFailures === b.totalFailures &&
    a.lockouts === b.lockouts &&
    a.lockedUntil === b.lockedUntil &&
    a.lastLoginExpiresAt === b.lastLoginExpiresAt &&
    a.createdAt === b.createdAt &&
    a.destroyedAt === b.destroyedAt &&
    sameBytes(a.headKey, b.headKey) &&
    sameBytes(a.sealedRecord, b.sealedRecord) &&
    sameBytes(a.stateMac, b.stateMac)
  );
}

const copyBytes = (b: Uint8Array | null): Uint8Array | null => (b === null ? null : b.slice());
/** A copy sharing no bytes with `r` (one function, not two closures per call: a login copies rows four times). */
const copyRow = (r: RecordRow): RecordRow => ({
  ...r,
  sealedRecord: copyBytes(r.sealedRecord),
  headKey: copyBytes(r.headKey),
  stateMac: copyBytes(r.stateMac),
});

/**
 * The last row of each account this process verified or wrote, with its MAC. A row read
 * back equal to it in every covered field and in the MAC is the row already verified, so
 * the HMAC is not recomputed (a login reads the same row three times). Any change by a
 * database writer — a field or the MAC — misses and is verified in full. Bounded.
 */
class VerifiedRows {
  readonly #rows = new Map<string, RecordRow>();
  constructor(private readonly max = 10_000) {}
  has(r: RecordRow): boolean {
    const known = this.#rows.get(r.accountId);
    return known !== undefined && sameAuthenticatedState(known, r);
  }
  remember(r: RecordRow): void {
    if (this.#rows.size >= this.max) this.#rows.clear();
    // A private copy: what callers do with the row they got cannot change what was verified.
    this.#rows.set(r.accountId, copyRow(r));
  }
  /** A private copy of the remembered row. */
  get(accountId: string): RecordRow | null {
    const r = this.#rows.get(accountId);
    return r === undefined ? null : copyRow(r);
  }
  forget(accountId: string): void {
    this.#rows.delete(accountId);
  }
}

/**
 * The pending attempts this process committed (a login start), by login ID, until settled
 * or expired, so the finish of a login started here need not read them back. Insertion
 * order is expiry order (one login TTL), so expired ones are dropped from the front when
 * a new one is added: a sealed login state is not kept in memory past its expiry (§6.6).
 */
class PendingAttempts {
  readonly #rows = new Map<string, AttemptRow>();
  constructor(private readonly max = 10_000) {}
  add(a: AttemptRow): void {
    for (const [id, old] of this.#rows) {
      if (old.expiresAt > a.startedAt && this.#rows.size < this.max) break;
      this.#rows.delete(id);
    }
    this.#rows.set(a.loginId, { ...a, sealedState: a.sealedState === null ? null : a.sealedState.slice() });
  }
  get(accountId: string, loginId: string): AttemptRow | null {
    const a = this.#rows.get(loginId);
    if (a === undefined || a.accountId !== accountId) return null;
    return { ...a, sealedState: a.sealedState === null ? null : a.sealedState.slice() };
  }
  delete(loginId: string): void {
    this.#rows.delete(loginId);
  }
  /** Drop every attempt expired at `now` (the sweep's erasure, §6.6). */
  dropExpired(now: number): void {
    for (const [id, a] of this.#rows) if (a.expiresAt <= now) this.#rows.delete(id);
  }
}

function checked(auth: RowAuthenticator, verified: VerifiedRows, accountId: string, r: RecordRow | null): RecordRow | null {
  if (r === null) return null;
  if (r.accountId !== accountId) throw new RecordIntegrityError(accountId);
  if (verified.has(r)) return r;
  if (!auth.rowMacValid(r)) throw new RecordIntegrityError(accountId);
  verified.remember(r);
  return r;
}

/** The change with fresh state MACs, and the row it leaves (null: deleted; undefined: unchanged). */
function sealChange<T>(
  auth: RowAuthenticator,
  current: RecordRow | null,
  c: RecordChange<T>,
): { change: RecordChange<T>; written: RecordRow | null | undefined } {
  if (!c.record) return { change: c, written: undefined };
  if ("delete" in c.record) return { change: c, written: null };
  if ("put" in c.record) {
    const row: RecordRow = { ...c.record.put, stateMac: null };
    const put = { ...row, stateMac: new Uint8Array(auth.rowMac(row)) };
    return { change: { ...c, record: { put } }, written: put };
  }
  if (!current) throw new Error("changeRecord: counters update without a record");
  const { stateMac: _ignored, ...k } = c.record.counters;
  const next: RecordRow = { ...current, ...k, stateMac: null };
  const stateMac = new Uint8Array(auth.rowMac(next));
  return { change: { ...c, record: { counters: { ...k, stateMac } } }, written: { ...next, stateMac } };
}

/** Wrap `inner` so that record rows are authenticated under `auth`. */
export function authenticatedVaultStore(inner: VaultStore, auth: RowAuthenticator): VaultStore {
  return new AuthenticatedVaultStore(inner, auth);
}

class AuthenticatedVaultStore implements VaultStore {
  readonly kind: VaultStore["kind"];
  readonly #verified = new VerifiedRows();
  readonly #pending = new PendingAttempts();
  /** Only when the inner store has it (`readAttemptHistory` falls back to `recentAttempts`). */
  readonly historyRows?: VaultStore["historyRows"];
  constructor(
    private readonly inner: VaultStore,
    private readonly auth: RowAuthenticator,
  ) {
    this.kind = inner.kind;
    const rows = inner.historyRows?.bind(inner);
    if (rows) {
      this.historyRows = (accountId: string, excludeLoginId: string | undefined, limit: number): Promise<HistoryRow[]> => {
        checkAccountId(accountId);
        return rows(accountId, excludeLoginId, limit);
      };
    }
  }
  migrate(options?: MigrateOptions): Promise<void> {
    return this.inner.migrate(options);
  }
  async getRecord(accountId: string): Promise<RecordRow | null> {
    checkAccountId(accountId);
    return checked(this.auth, this.#verified, accountId, await this.inner.getRecord(accountId));
  }
  rememberedRecord(accountId: string): RecordRow | null {
    checkAccountId(accountId);
    return this.#verified.get(accountId);
  }
  async changeRecord<T>(
    accountId: string,
    change: (current: RecordRow | null, attempt: AttemptRow | null) => RecordChange<T>,
    options?: ChangeOptions,
  ): Promise<T> {
    checkAccountId(accountId);
    let written: RecordRow | null | undefined;
    let applied: RecordChange<T> | undefined;
    const result = await this.inner.changeRecord<T>(
      accountId,
      (raw, attempt) => {
        const current = checked(this.auth, this.#verified, accountId, raw);
        const sealed = sealChange(this.auth, current, change(current, attempt));
        written = sealed.written;
        applied = sealed.change;
        return sealed.change;
      },
      options,
    );
    // Only what committed is remembered (the callback may have run for a batch that failed).
    if (written) this.#verified.remember(written);
    else if (written === null) this.#verified.forget(accountId);
    if (applied?.setAttemptOutcome) this.#pending.delete(applied.setAttemptOutcome.loginId);
    if (applied?.insertAttempt?.outcome === "pending") this.#pending.add(applied.insertAttempt);
    return result;
  }
  async getAttempt(accountId: string, loginId: string): Promise<AttemptRow | null> {
    checkAccountId(accountId);
    return this.inner.getAttempt(accountId, loginId);
  }
  async getLogin(accountId: string, loginId: string): Promise<{ attempt: AttemptRow | null; record: RecordRow | null }> {
    checkAccountId(accountId);
    // A login started here: the attempt as committed and the record as last verified or
    // written, without a query. Either may be stale (settled or changed elsewhere); a finish
    // uses them only as `ChangeOptions.expected*`, whose write checks both (spec §10.1).
    const attempt = this.#pending.get(accountId, loginId);
    const record = attempt ? this.#verified.get(accountId) : null;
    if (attempt && record && record.state === "active") return { attempt, record };
    const r = await this.inner.getLogin(accountId, loginId);
    return { attempt: r.attempt, record: checked(this.auth, this.#verified, accountId, r.record) };
  }
  async recentAttempts(accountId: string, limit: number): Promise<AttemptRow[]> {
    checkAccountId(accountId);
    return this.inner.recentAttempts(accountId, limit);
  }
  exhaustedAccounts(now: number, failureBudget: number, limit: number): Promise<string[]> {
    return this.inner.exhaustedAccounts(now, failureBudget, limit);
  }
  async getHead(accountId: string): Promise<HeadRow | null> {
    checkAccountId(accountId);
    return this.inner.getHead(accountId);
  }
  async advanceHead(accountId: string, head: HeadWrite, now: number): Promise<HeadAdvance> {
    checkAccountId(accountId);
    return this.inner.advanceHead(accountId, head, now);
  }
  eraseExpiredLoginStates(now: number, limit: number): Promise<number> {
    this.#pending.dropExpired(now);
    return this.inner.eraseExpiredLoginStates(now, limit);
  }
  unauthenticatedAccounts(limit: number): Promise<string[]> {
    return this.inner.unauthenticatedAccounts(limit);
  }
  legacyMigrationPending(): Promise<boolean> {
    return this.inner.legacyMigrationPending();
  }
  finishLegacyMigration(): Promise<void> {
    return this.inner.finishLegacyMigration();
  }
  getSealedSecrets(): Promise<SealedSecretsRow | null> {
    return this.inner.getSealedSecrets();
  }
  putSealedSecretsIfAbsent(row: SealedSecretsRow): Promise<SealedSecretsRow> {
    return this.inner.putSealedSecretsIfAbsent(row);
  }
  replaceSealedSecrets(expectedSealed: Uint8Array, sealed: Uint8Array): Promise<SealedSecretsRow> {
    return this.inner.replaceSealedSecrets(expectedSealed, sealed);
  }
  getClockOffset(): Promise<number> {
    return this.inner.getClockOffset();
  }
  advanceClockOffset(ms: number): Promise<number> {
    return this.inner.advanceClockOffset(ms);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Give rows written before state MACs existed a record ID and a MAC, once (spec §10.4).
 * Runs at startup, after the vault secrets are open, only while `migrate()`'s marker says
 * legacy rows may exist; afterwards a row without a MAC is refused like any tampered row.
 * Returns how many rows it authenticated.
 */
export async function authenticateLegacyRows(inner: VaultStore, auth: RowAuthenticator, newRecordId: () => string): Promise<number> {
  if (!(await inner.legacyMigrationPending())) return 0;
  let done = 0;
  for (;;) {
    const batch = await inner.unauthenticatedAccounts(100);
    if (batch.length === 0) break;
    for (const accountId of batch) {
      await inner.changeRecord(accountId, (r) => {
        if (!r || r.stateMac !== null) return { result: undefined };
        const row: RecordRow = { ...r, recordId: r.recordId ?? newRecordId(), stateMac: null };
        done++;
        return { result: undefined, record: { put: { ...row, stateMac: new Uint8Array(auth.rowMac(row)) } } };
      });
    }
  }
  await inner.finishLegacyMigration();
  return done;
}
