/**
 * The single vault's store work per unlock, alone: what `login/start` and `login/finish`
 * ask of the authenticated SQLite store (count the attempt, settle it, read the attempt
 * history), without HTTP or OPAQUE, in CPU µs per unlock (`process.cpuUsage`, this one
 * process; the database server's own CPU is not counted). `chains` logins run at once, so
 * SQLite's group commit batches as under load. `--backend postgres` uses a throwaway
 * database on 127.0.0.1:5432 (the finish's settle and its history in one statement). With
 * several `--root` trees (a base build's `git archive` and this one) it alternates them,
 * run after run, each in a fresh child process (same machine state, no shared JIT).
 *
 *   node --conditions=chatvault-source --import tsx bench/vault-store-probe.ts \
 *     [--backend sqlite|postgres] [--root /tmp/base,.] [--runs 3] [--unlocks 6000] [--chains 16] [--accounts 40]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { alternateRoots } from "./alternated-roots.ts";
import { PG_ADMIN_URL, adminQuery } from "./pg-admin.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", default: "." },
    backend: { type: "string", default: "sqlite" },
    runs: { type: "string", default: "3" },
    unlocks: { type: "string", default: "6000" },
    chains: { type: "string", default: "16" },
    accounts: { type: "string", default: "40" },
    child: { type: "boolean", default: false },
  },
});

/** One measurement in this process, with the store code of `root`: µs of CPU per unlock. */
async function measure(root: string, backend: string, unlocks: number, chains: number, accounts: number): Promise<number> {
  const src = join(resolve(root), "packages/vault-server/src");
  const { SqliteVaultStore } = await import(join(src, "store/sqlite.ts"));
  const { PostgresVaultStore } = await import(join(src, "store/postgres.ts"));
  const { authenticatedVaultStore } = await import(join(src, "store/authenticated.ts"));
  const { RecordCrypto } = await import(join(src, "sealing/record-crypto.ts"));
  const { VaultSecrets } = await import(join(src, "sealing/vault-secrets.ts"));
  const { createRecord, startAttempt, finishAttempt } = await import(join(src, "store/record-transitions.ts"));
  const { readAttemptHistory, attemptHistoryRows } = await import(join(src, "attempt-history.ts"));
  const { DEFAULT_POLICY } = await import(join(src, "policy.ts"));
  const dir = mkdtempSync(join(tmpdir(), "vault-store-probe-"));
  const database = `chatvault_probe_${randomBytes(6).toString("hex")}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  if (backend === "postgres") await adminQuery(`CREATE DATABASE ${database}`);
  try {
    const crypto = new RecordCrypto(new VaultSecrets("unused", randomBytes(32), "r".repeat(22)));
    const raw = backend === "postgres" ? new PostgresVaultStore({ url: url.toString() }) : new SqliteVaultStore({ path: join(dir, "vault.db") });
    await raw.migrate();
    const store = authenticatedVaultStore(raw, crypto);
    const ids = Array.from({ length: accounts }, (_, i) => `probe-${i}`);
    for (const accountId of ids) {
      const sealedRecord = crypto.sealRecord(accountId, 1, {
        registrationRecord: "x".repeat(256),
        wrappedRootKey: { nonce: "n".repeat(32), ciphertext: "c".repeat(64) },
      });
      const keyStretching = JSON.stringify({ algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 });
      await createRecord(store, {
        accountId,
        version: 1,
        firstVersion: 1,
        sealedRecord,
        keyStretching,
        recordId: randomBytes(16).toString("base64url"),
        headKey: null,
        now: Date.now(),
      });
    }
    const state = randomBytes(192).toString("base64");
    const unlock = async (accountId: string) => {
      // login/start: the remembered row (or a read), the count, KE2's sealed state (§6.1).
      const row = store.rememberedRecord(accountId) ?? (await store.getRecord(accountId));
      const loginId = randomBytes(16).toString("base64url");
      const sealedState = crypto.sealLoginState(accountId, loginId, row.version, state);
      const now = Date.now();
      const s = await startAttempt(store, { accountId, expectedVersion: row.version, now, policy: DEFAULT_POLICY, loginId, sealedState, expected: row });
      if (s.kind !== "released") throw new Error(`start: ${s.kind}`);
      // login/finish: the login, the settle, the history (§6.2, §5.7).
      const { attempt, record } = await store.getLogin(accountId, loginId);
      crypto.openLoginState(accountId, loginId, attempt.recordVersion, attempt.sealedState);
      const attempts: { limit: number; rows?: unknown[] } = { limit: attemptHistoryRows(loginId) };
      const f = await finishAttempt(store, {
        accountId,
        loginId,
        recordVersion: attempt.recordVersion,
        verified: true,
        now: Date.now(),
        attempts,
        ...(record ? { expected: { record, attempt } } : {}),
      });
      if (f.kind !== "success") throw new Error(`finish: ${f.kind}`);
      await readAttemptHistory(store, accountId, Date.now(), loginId, attempts.rows);
    };
    const run = async (n: number) => {
      let next = 0;
      // Every chain ends before a failure is thrown: the store and its database are removed after,
      // and a chain still running then dies on a closed connection, hiding the failure.
      // Chain c owns accounts c, c + chains, …: no two logins of one account at once, which the
      // guess policy would rightly count (and in time lock: "start: locked").
      const chained = await Promise.allSettled(
        Array.from({ length: chains }, async (_, c) => {
          const mine = ids.filter((_, a) => a % chains === c);
          for (let i = next++, k = 0; i < n; i = next++) await unlock(mine[k++ % mine.length]!);
        }),
      );
      for (const r of chained) if (r.status === "rejected") throw r.reason;
    };
    await run(Math.min(2000, unlocks)); // JIT, page cache, 50+ attempts per account
    const t0 = process.cpuUsage();
    await run(unlocks);
    const t = process.cpuUsage(t0);
    await store.close();
    return (t.user + t.system) / unlocks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (backend === "postgres") await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

const unlocks = Number(values.unlocks);
const chains = Number(values.chains);
const accounts = Number(values.accounts);
if (!(accounts >= chains)) throw new RangeError("--accounts must be at least --chains (one account per chain at a time)");
if (values.child) {
  process.stdout.write(`${(await measure(values.root, values.backend, unlocks, chains, accounts)).toFixed(2)}\n`);
} else {
  alternateRoots({
    script: import.meta.url,
    roots: values.root,
    runs: Number(values.runs),
    args: ["--backend", values.backend, "--unlocks", String(unlocks), "--chains", String(chains), "--accounts", String(accounts)],
    what: `${values.backend} store only`,
  });
}
