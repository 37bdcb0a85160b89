/**
 * Flags and environment variables of `main.ts` (docs/vault.md "Configuration"). Every
 * flag has a `CHATVAULT_VAULT_*` variable; flags win. Secrets (PKCS#11 PIN, HS256 secret)
 * are read from files or the environment, never from flags (flags show in `ps`).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AuthConfig } from "./auth/account-token.ts";
import type { VaultClusterOptions } from "./cluster/cluster.ts";
import type { GuessPolicy } from "./policy.ts";

/**
 * One vault flag: its `CHATVAULT_VAULT_<env>` variable, its help line, and whether it is a
 * switch (`boolean`: given alone, no value; its variable is set with `1`). Front ends that
 * wrap this command line (the CLI's `chatvault serve`) declare their flags from this table.
 */
export interface CommandLineFlag {
  readonly env: string;
  readonly help: string;
  readonly boolean?: true;
}

/** Every flag of `main.ts`, in `--help` order: the one list of the vault's flags. */
const TABLE = {
  host: { env: "HOST", help: "listen address (default 127.0.0.1)" },
  port: { env: "PORT", help: "listen port (default 8471; 0 = any)" },
  workers: { env: "WORKERS", help: "worker processes (default 1; 0 = one per core)" },
  "data-dir": { env: "DATA_DIR", help: "folder for vault.db, vault-kek.key, account-token.secret" },
  "database-url": { env: "DATABASE_URL", help: "postgres://… for PostgreSQL (default: SQLite in the data folder)" },
  "sqlite-path": { env: "SQLITE_PATH", help: "SQLite file (default <data-dir>/vault.db)" },
  "sqlite-synchronous": { env: "SQLITE_SYNCHRONOUS", help: "FULL (default) or NORMAL" },
  "pg-pool-size": { env: "PG_POOL_SIZE", help: "PostgreSQL connections per process (default 10)" },
  "key-file": { env: "KEY_FILE", help: "key-encryption key file (default <data-dir>/vault-kek.key)" },
  "pkcs11-module": { env: "PKCS11_MODULE", help: "PKCS#11 module path: seal secrets with an HSM key instead of a key file" },
  "pkcs11-token-label": { env: "PKCS11_TOKEN_LABEL", help: "token label (default: first token)" },
  "pkcs11-key-label": { env: "PKCS11_KEY_LABEL", help: "AES key label (default chatvault-vault-kek)" },
  "pkcs11-pin-file": { env: "PKCS11_PIN_FILE", help: "file holding the user PIN (or env CHATVAULT_VAULT_PKCS11_PIN)" },
  "jwt-secret-file": { env: "JWT_SECRET_FILE", help: "HS256 secret file (or env CHATVAULT_VAULT_JWT_SECRET; default <data-dir>/account-token.secret)" },
  "jwt-public-key-file": { env: "JWT_PUBLIC_KEY_FILE", help: "PEM public key verifying account tokens" },
  "jwt-algorithm": { env: "JWT_ALGORITHM", help: "EdDSA (default) or ES256, with --jwt-public-key-file" },
  "jwks-file": { env: "JWKS_FILE", help: "local JWKS file verifying account tokens" },
  "jwt-issuer": { env: "JWT_ISSUER", help: "required `iss` claim" },
  "jwt-audience": { env: "JWT_AUDIENCE", help: "required `aud` claim" },
  "max-attempts": { env: "MAX_ATTEMPTS", help: "attempts before a lock (default 5)" },
  "failure-budget": { env: "FAILURE_BUDGET", help: "lifetime failures before the record is destroyed (default 20)" },
  "lock-base": { env: "LOCK_BASE", help: "first lock, e.g. 1h (default)" },
  "lock-factor": { env: "LOCK_FACTOR", help: "growth of each further lock (default 4)" },
  "lock-cap": { env: "LOCK_CAP", help: "longest lock (default 7d)" },
  "login-ttl": { env: "LOGIN_TTL", help: "time between KE2 and KE3 (default 60s)" },
  "session-ttl": { env: "SESSION_TTL", help: "session token lifetime (default 2m)" },
  "rate-ip": { env: "RATE_LIMIT_IP", help: "requests/min per IP (default 1200; 0 = off)" },
  "rate-account": { env: "RATE_LIMIT_ACCOUNT", help: "requests/min per account (default 120; 0 = off)" },
  "body-limit": { env: "BODY_LIMIT", help: "largest request body in bytes (default 8192)" },
  "log-level": { env: "LOG_LEVEL", help: "pino level (default info)" },
  "trust-proxy": { env: "TRUST_PROXY", help: "1: use X-Forwarded-For for per-IP limits", boolean: true },
  "test-clock": { env: "TEST_CLOCK", help: "TEST ONLY, 1: expose POST /_test/clock", boolean: true },
  "allow-weak-ksf": { env: "ALLOW_WEAK_KSF", help: "TEST ONLY, 1: accept a KSF weaker than Argon2id 64 MiB t=3", boolean: true },
} as const satisfies Record<string, CommandLineFlag>;
export type CommandLineFlagName = keyof typeof TABLE;
type Flag = CommandLineFlagName;
export const FLAGS: Readonly<Record<Flag, CommandLineFlag>> = TABLE;

/** "90s", "15m", "1h", "7d", or plain milliseconds. */
export function parseDuration(s: string, name: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new RangeError(`${name}: expected a duration like 90s, 15m, 1h, 7d or milliseconds, got ${JSON.stringify(s)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms"];
  return Number(m[1]) * unit;
}

function int(s: string, name: string): number {
  if (!/^\d+$/.test(s)) throw new RangeError(`${name}: expected a non-negative integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

export interface ParsedCommandLine {
  command: "serve" | "token" | "help";
  options: VaultClusterOptions;
  /** For `token`: */
  account?: string;
  ttlSeconds?: number;
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedCommandLine {
  const flagOptions = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: FLAGS[f as Flag].boolean ? "boolean" : "string" }]));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...flagOptions, account: { type: "string" }, ttl: { type: "string" }, help: { type: "boolean", short: "h" } } as never,
  });
  const v = values as Record<string, string | boolean | undefined>;
  const get = (f: Flag): string | undefined => {
    const x = v[f];
    if (typeof x === "boolean") return x ? "1" : undefined;
    return x ?? (env[`CHATVAULT_VAULT_${FLAGS[f].env}`] || undefined);
  };
  const command = v.help ? "help" : positionals[0] === "token" ? "token" : "serve";
  const o: VaultClusterOptions = {};
  const dataDir = get("data-dir");
  if (dataDir) o.dataDir = dataDir;
  if (get("host")) o.host = get("host")!;
  if (get("port")) o.port = int(get("port")!, "port");
  const workers = get("workers");
  if (workers !== undefined) o.workers = int(workers, "workers");
  const dbUrl = get("database-url");
  if (dbUrl) o.database = { kind: "postgres", url: dbUrl, ...(get("pg-pool-size") ? { poolSize: int(get("pg-pool-size")!, "pg-pool-size") } : {}) };
  else if (get("sqlite-path") || get("sqlite-synchronous")) {
    const sync = get("sqlite-synchronous")?.toUpperCase();
    if (sync !== undefined && sync !== "FULL" && sync !== "NORMAL") throw new RangeError("sqlite-synchronous must be FULL or NORMAL");
    o.database = { kind: "sqlite", path: get("sqlite-path") ?? `${dataDir ?? "."}/vault.db`, ...(sync ? { synchronous: sync } : {}) };
  }
  const module = get("pkcs11-module");
  if (module) {
    const pinFile = get("pkcs11-pin-file");
    const pin = pinFile ? readFileSync(pinFile, "utf8").trim() : env.CHATVAULT_VAULT_PKCS11_PIN;
    if (!pin) throw new RangeError("PKCS#11 needs a PIN: --pkcs11-pin-file or CHATVAULT_VAULT_PKCS11_PIN");
    o.sealer = {
      kind: "pkcs11",
      module,
      pin,
      ...(get("pkcs11-token-label") ? { tokenLabel: get("pkcs11-token-label")! } : {}),
      ...(get("pkcs11-key-label") ? { keyLabel: get("pkcs11-key-label")! } : {}),
    };
  } else if (get("key-file")) o.sealer = { kind: "keyfile", path: get("key-file")! };
  const auth = authFrom(get, env);
  if (auth) o.auth = auth;
  const policy: Partial<GuessPolicy> = {};
  if (get("max-attempts")) policy.maxAttempts = int(get("max-attempts")!, "max-attempts");
  if (get("failure-budget")) policy.failureBudget = int(get("failure-budget")!, "failure-budget");
  if (get("lock-base")) policy.lockBaseMs = parseDuration(get("lock-base")!, "lock-base");
  if (get("lock-factor")) policy.lockFactor = Number(get("lock-factor"));
  if (get("lock-cap")) policy.lockCapMs = parseDuration(get("lock-cap")!, "lock-cap");
  if (get("login-ttl")) policy.loginTtlMs = parseDuration(get("login-ttl")!, "login-ttl");
  o.policy = policy;
  if (get("session-ttl")) o.sessionTtlMs = parseDuration(get("session-ttl")!, "session-ttl");
  if (get("rate-ip") || get("rate-account")) {
    o.rateLimit = {
      ...(get("rate-ip") ? { perIpPerMinute: int(get("rate-ip")!, "rate-ip") } : {}),
      ...(get("rate-account") ? { perAccountPerMinute: int(get("rate-account")!, "rate-account") } : {}),
    };
  }
  if (get("body-limit")) o.bodyLimitBytes = int(get("body-limit")!, "body-limit");
  if (get("log-level")) o.logLevel = get("log-level")!;
  if (get("trust-proxy") === "1") o.trustProxy = true;
  if (get("test-clock") === "1") o.testClock = true;
  if (get("allow-weak-ksf") === "1") o.allowWeakKeyStretching = true;
  const out: ParsedCommandLine = { command, options: o };
  if (typeof v.account === "string") out.account = v.account;
  // --ttl: plain seconds, or a duration with a unit (90s, 12h, 30d).
  if (typeof v.ttl === "string") out.ttlSeconds = /^\d+$/.test(v.ttl) ? int(v.ttl, "ttl") : Math.max(1, Math.round(parseDuration(v.ttl, "ttl") / 1000));
  return out;
}

function authFrom(get: (f: Flag) => string | undefined, env: NodeJS.ProcessEnv): AuthConfig | undefined {
  const extra = { ...(get("jwt-issuer") ? { issuer: get("jwt-issuer")! } : {}), ...(get("jwt-audience") ? { audience: get("jwt-audience")! } : {}) };
  const pub = get("jwt-public-key-file");
  if (pub) {
    const alg = get("jwt-algorithm") ?? "EdDSA";
    if (alg !== "EdDSA" && alg !== "ES256") throw new RangeError("jwt-algorithm must be EdDSA or ES256");
    return { publicKeyPem: readFileSync(pub, "utf8"), algorithm: alg, ...extra };
  }
  if (get("jwks-file")) return { jwksFile: get("jwks-file")!, ...extra };
  const secretFile = get("jwt-secret-file");
  if (secretFile) return { hs256Secret: readFileSync(secretFile, "utf8").trim(), ...extra };
  if (env.CHATVAULT_VAULT_JWT_SECRET) return { hs256Secret: env.CHATVAULT_VAULT_JWT_SECRET, ...extra };
  return undefined;
}

export function usage(): string {
  const lines = [
    "usage: main.ts [serve] [flags]      run the key vault",
    "       main.ts token --account ID [--ttl 1h] [--data-dir D]   mint a dev account token",
    "",
    "flags (each also as env CHATVAULT_VAULT_<NAME>):",
  ];
  for (const [f, d] of Object.entries(FLAGS)) lines.push(`  --${f.padEnd(22)} ${d.help}  [CHATVAULT_VAULT_${d.env}]`);
  return lines.join("\n");
}
