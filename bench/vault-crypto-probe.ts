/**
 * The single vault's record and login-state crypto per unlock, alone (docs/performance.md,
 * "Key vault, ninth round"): what `login/start` and `login/finish` compute besides OPAQUE
 * and the store's I/O — the login ID drawn, the login state sealed and opened, two row MACs
 * (the start's and the finish's counters), the session token, and on PostgreSQL the two
 * statements' prepared names — in CPU µs per unlock (`process.cpuUsage`). With several
 * `--root` trees (a base build's `git archive` and this one) it alternates them, run after
 * run, each in a fresh child process (no shared JIT), so a comparison sees the same machine.
 * The login ID is drawn as that tree's `login-start.ts` draws it.
 *
 *   node --conditions=chatvault-source --import tsx bench/vault-crypto-probe.ts \
 *     [--root /tmp/base,.] [--runs 6] [--unlocks 3000] [--warmup 2000]
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { alternateRoots } from "./alternated-roots.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", default: "." },
    runs: { type: "string", default: "6" },
    unlocks: { type: "string", default: "3000" },
    warmup: { type: "string", default: "2000" },
    child: { type: "boolean", default: false },
  },
});

/** One measurement in this process, with the code of `root`: µs of CPU per unlock. */
async function measure(root: string, unlocks: number, warmup: number): Promise<number> {
  const src = join(resolve(root), "packages/vault-server/src");
  const { RecordCrypto } = await import(join(src, "sealing/record-crypto.ts"));
  const { VaultSecrets } = await import(join(src, "sealing/vault-secrets.ts"));
  const { issueSessionToken } = await import(join(src, "auth/session-token.ts"));
  const { statementName } = await import(join(src, "store/postgres-change.ts"));
  // The login ID as this tree's route draws it.
  const pooled = /poolRandomBytes\(16\)/.test(readFileSync(join(src, "http/routes/login-start.ts"), "utf8"));
  const draw: (n: number) => Buffer =
    pooled && existsSync(join(src, "sealing/random-pool.ts")) ? (await import(join(src, "sealing/random-pool.ts"))).poolRandomBytes : randomBytes;
  const crypto = new RecordCrypto(new VaultSecrets("unused", randomBytes(32), "r".repeat(22)));
  const accounts = Array.from({ length: 40 }, (_, i) => `probe-${i}`);
  const sealedRecord = crypto.sealRecord("probe-0", 1, {
    registrationRecord: "x".repeat(256),
    wrappedRootKey: { nonce: "n".repeat(32), ciphertext: "c".repeat(64) },
  });
  const state = randomBytes(192).toString("base64");
  // A statement text built per call, as the compare-and-set builds its own (~1.5 kB).
  const statement = (i: number) => `WITH w0 AS (UPDATE vault_records SET consecutive_failures = $3 ${"AND x = $4::bigint ".repeat(70)}) SELECT ${i & 1} AS n`;
  const row = (accountId: string, failures: number) => ({
    accountId,
    recordId: "r".repeat(22),
    state: "active" as const,
    version: 7,
    sealedRecord,
    keyStretching: '{"algorithm":"argon2id","memoryKiB":65536,"iterations":3,"parallelism":4}',
    headKey: null,
    stateMac: null,
    consecutiveFailures: failures,
    totalFailures: failures,
    lockouts: 0,
    lockedUntil: null,
    lastLoginExpiresAt: Date.now() + 60_000,
    createdAt: 1_800_000_000_000,
    updatedAt: Date.now(),
    destroyedAt: null,
  });
  let sink = 0;
  const unlock = (i: number) => {
    const accountId = accounts[i % accounts.length]!;
    // login/start: the login ID, the sealed state, the counted row's MAC, the statement's name.
    const loginId = draw(16).toString("base64url");
    const sealed = crypto.sealLoginState(accountId, loginId, 7, state);
    sink += crypto.rowMac(row(accountId, 1)).length + statementName(statement(0)).length;
    // login/finish: the state opened, the settled row's MAC, the statement's name, the session token.
    sink += (crypto.openLoginState(accountId, loginId, 7, sealed) as string).length;
    sink += crypto.rowMac(row(accountId, 0)).length + statementName(statement(1)).length;
    sink += issueSessionToken(crypto, accountId, { recordId: "r".repeat(22), recordVersion: 7, loginId, expiresAt: Date.now() + 300_000 }).length;
  };
  for (let i = 0; i < warmup; i++) unlock(i);
  const t0 = process.cpuUsage();
  for (let i = 0; i < unlocks; i++) unlock(i);
  const t = process.cpuUsage(t0);
  if (sink === 0) throw new Error("nothing computed");
  return (t.user + t.system) / unlocks;
}

const unlocks = Number(values.unlocks);
const warmup = Number(values.warmup);
if (values.child) {
  process.stdout.write(`${(await measure(values.root, unlocks, warmup)).toFixed(2)}\n`);
} else {
  alternateRoots({
    script: import.meta.url,
    roots: values.root,
    runs: Number(values.runs),
    args: ["--unlocks", String(unlocks), "--warmup", String(warmup)],
    what: "record and state crypto only",
  });
}
