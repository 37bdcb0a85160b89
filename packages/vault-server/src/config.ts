/**
 * Vault server configuration (docs/vault.md "Configuration"). `VaultServerOptions` is
 * what callers pass; `resolveConfig` fills the embedded defaults (SQLite + key file +
 * dev HS256 secret under one data folder) and validates everything before start.
 * A resolved config is plain JSON, so a cluster primary can hand it to its workers.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { AuthConfig } from "./auth/account-token.ts";
import { loadOrCreateDevSecret } from "./auth/dev-token.ts";
import { resolvePolicy, type GuessPolicy } from "./policy.ts";
import { redactConnectionString } from "./connection-string.ts";
import type { SealerConfig } from "./sealing/sealer.ts";

export type DatabaseConfig = { kind: "sqlite"; path: string; synchronous?: "FULL" | "NORMAL" } | { kind: "postgres"; url: string; poolSize?: number };

export interface RateLimitConfig {
  /** Requests per minute per client IP (0 = off). Default 1200. */
  perIpPerMinute: number;
  /** Requests per minute per account (0 = off). Default 120. */
  perAccountPerMinute: number;
}

/** Everything a vault process needs; JSON-serialisable. */
export interface VaultServerConfig {
  host: string;
  port: number;
  database: DatabaseConfig;
  sealer: SealerConfig;
  auth: AuthConfig;
  policy: GuessPolicy;
  /** Lifetime of a session token (default 2 min). */
  sessionTtlMs: number;
  rateLimit: RateLimitConfig;
  /** Largest accepted request body (default 8 KiB). */
  bodyLimitBytes: number;
  /** TEST ONLY: expose POST /_test/clock. */
  testClock: boolean;
  /** TEST ONLY: accept registrations with a KSF weaker than the default. */
  allowWeakKeyStretching: boolean;
  logLevel: string;
  /** Trust X-Forwarded-For (behind a reverse proxy) for per-IP limits. */
  trustProxy: boolean;
  /** How often to destroy records whose budget ran out (0 = only lazily). Default 60 s. */
  sweepIntervalMs: number;
  /** Attempts listed by /v1/status (default 10). */
  recentAttempts: number;
}

export interface VaultServerOptions extends Partial<Omit<VaultServerConfig, "policy" | "rateLimit">> {
  /** Folder for the embedded defaults: vault.db, vault-kek.key, account-token.secret. */
  dataDir?: string;
  policy?: Partial<GuessPolicy>;
  rateLimit?: Partial<RateLimitConfig> | false;
}

export const DEFAULT_PORT = 8471;

export function defaultDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "chatvault", "vault");
}

/** The embedded-default file names inside the data folder. */
export const DATA_FILES = { database: "vault.db", keyFile: "vault-kek.key", devSecret: "account-token.secret" } as const;

export function resolveConfig(o: VaultServerOptions = {}): VaultServerConfig {
  const dataDir = o.dataDir ?? defaultDataDir();
  const rate = o.rateLimit === false ? { perIpPerMinute: 0, perAccountPerMinute: 0 } : { perIpPerMinute: 1200, perAccountPerMinute: 120, ...o.rateLimit };
  const c: VaultServerConfig = {
    host: o.host ?? "127.0.0.1",
    port: o.port ?? DEFAULT_PORT,
    database: o.database ?? { kind: "sqlite", path: join(dataDir, DATA_FILES.database) },
    sealer: o.sealer ?? { kind: "keyfile", path: join(dataDir, DATA_FILES.keyFile) },
    auth: o.auth ?? { hs256Secret: loadOrCreateDevSecret(join(dataDir, DATA_FILES.devSecret)) },
    policy: resolvePolicy(o.policy),
    sessionTtlMs: o.sessionTtlMs ?? 2 * 60 * 1000,
    rateLimit: rate,
    bodyLimitBytes: o.bodyLimitBytes ?? 8 * 1024,
    testClock: o.testClock ?? false,
    allowWeakKeyStretching: o.allowWeakKeyStretching ?? false,
    logLevel: o.logLevel ?? "info",
    trustProxy: o.trustProxy ?? false,
    sweepIntervalMs: o.sweepIntervalMs ?? 60_000,
    recentAttempts: o.recentAttempts ?? 10,
  };
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new RangeError("port must be in [0, 65535]");
  if (!Number.isSafeInteger(c.sessionTtlMs) || c.sessionTtlMs < 1000) throw new RangeError("sessionTtlMs must be ≥ 1000");
  if (!Number.isSafeInteger(c.bodyLimitBytes) || c.bodyLimitBytes < 1024) throw new RangeError("bodyLimitBytes must be ≥ 1024");
  for (const [k, v] of Object.entries(c.rateLimit)) if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`rateLimit.${k} must be an integer ≥ 0`);
  if (c.recentAttempts < 0 || c.recentAttempts > 100) throw new RangeError("recentAttempts must be in [0, 100]");
  return c;
}

/** A copy safe to log: secrets replaced by `[redacted]`. */
export function describeConfig(c: VaultServerConfig): unknown {
  const db = c.database.kind === "postgres" ? { ...c.database, url: redactConnectionString(c.database.url) } : c.database;
  const sealer = c.sealer.kind === "pkcs11" ? { ...c.sealer, pin: "[redacted]" } : c.sealer;
  const auth = "hs256Secret" in c.auth ? { kind: "hs256" } : "publicKeyPem" in c.auth ? { kind: c.auth.algorithm } : { kind: "jwks", file: c.auth.jwksFile };
  return { ...c, database: db, sealer, auth };
}
