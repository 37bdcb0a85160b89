/**
 * Start one vault process (docs/vault.md): open the database, unseal the vault secrets
 * with the KEK, verify account tokens, serve HTTP; `close()` shuts down gracefully
 * (stop accepting, finish in-flight requests, close the database).
 */
import { randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import type { FastifyInstance } from "fastify";
import type { DestinationStream, Logger } from "pino";
import { createAccountVerifier } from "./auth/account-token.ts";
import { OffsetClock, systemClock, type Clock } from "./clock.ts";
import { describeConfig, resolveConfig, type VaultServerConfig, type VaultServerOptions } from "./config.ts";
import { buildVaultApp } from "./http/app.ts";
import type { VaultContext } from "./http/context.ts";
import { closeLogger, createLogger } from "./logger.ts";
import { Metrics } from "./metrics.ts";
import { destroyIfExhausted } from "./store/record-transitions.ts";
import { openMigratedVaultStore } from "./store/open.ts";
import { authenticateLegacyRows, authenticatedVaultStore } from "./store/authenticated.ts";
import type { VaultStore } from "./store/vault-store.ts";
import { RecordCrypto } from "./sealing/record-crypto.ts";
import { loadVaultSecrets } from "./sealing/vault-secrets.ts";

export interface StartVaultServerOptions extends VaultServerOptions {
  /** Injected clock (tests). Default: the system clock, or an offset clock with `testClock`. */
  clock?: Clock;
  /** Logger to use, or a destination for the default one (tests capture logs this way). */
  logger?: Logger;
  logDestination?: DestinationStream;
  /** false: build the app without listening (for `app.inject` tests). Default true. */
  listen?: boolean;
  /** Override /metrics text (cluster workers sum over all workers). */
  metricsText?: () => Promise<string>;
}

export interface RunningVault {
  /** http://host:port (empty when not listening). */
  url: string;
  app: FastifyInstance;
  config: VaultServerConfig;
  store: VaultStore;
  metrics: Metrics;
  clock: Clock;
  /** Run the periodic sweep once now (tests; it also runs every `sweepIntervalMs`). */
  sweep(): Promise<void>;
  /** The vault's OPAQUE public key (clients may pin it). */
  serverPublicKey: string;
  close(): Promise<void>;
}

export async function startVaultServer(options: StartVaultServerOptions = {}): Promise<RunningVault> {
  const config = resolveConfig(options);
  const log = options.logger ?? createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  if (config.testClock) log.warn("TEST CLOCK ENABLED: POST /_test/clock can move this vault's time forward. Never run production like this.");
  if (config.allowWeakKeyStretching) log.warn("WEAK KEY STRETCHING ALLOWED: records may use a cheap KSF. Tests only.");
  await opaque.ready;
  const rawRepo = await openMigratedVaultStore(config.database, { testClock: config.testClock });
  let secrets;
  let crypto: RecordCrypto;
  try {
    const loaded = await loadVaultSecrets(rawRepo, config.sealer);
    secrets = loaded.secrets;
    await loaded.sealer.close(); // the KEK is needed at startup only
    crypto = new RecordCrypto(secrets);
    const migrated = await authenticateLegacyRows(rawRepo, crypto, () => randomBytes(16).toString("base64url"));
    if (migrated > 0) log.info({ rows: migrated }, "authenticated vault records written by an earlier version");
  } catch (e) {
    await rawRepo.close().catch(() => {});
    throw e;
  }
  // Every record row is checked on read and MAC'd on write from here on (spec §10.4).
  const store = authenticatedVaultStore(rawRepo, crypto);
  const metrics = new Metrics();
  const clock = options.clock ?? (config.testClock ? new OffsetClock() : systemClock);
  const ctx: VaultContext = {
    config,
    store,
    secrets,
    clock,
    metrics,
    log,
    crypto,
    verifyAccount: await createAccountVerifier(config.auth),
    probeLoginRequest: opaque.client.startLogin({ password: "chatvault-record-probe" }).startLoginRequest,
    metricsText: options.metricsText ?? (async () => Metrics.render([metrics.snapshot()])),
  };
  // The shared offset exists only with the test clock (spec §9.3); an OffsetClock injected
  // without it is the caller's alone.
  if (config.testClock && clock instanceof OffsetClock) clock.setOffset(Math.max(clock.offsetMs, await store.getClockOffset()));
  const app = buildVaultApp(ctx);
  let url = "";
  try {
    if (options.listen === false) await app.ready();
    else url = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
  const sweeper = config.sweepIntervalMs > 0 ? setInterval(() => void sweep(ctx), config.sweepIntervalMs) : undefined;
  sweeper?.unref();
  if (url) log.info({ url, config: describeConfig(config) }, "vault listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    config,
    store,
    metrics,
    clock,
    serverPublicKey: secrets.serverPublicKey(),
    sweep: () => sweep(ctx),
    close: () =>
      (closing ??= (async () => {
        if (sweeper) clearInterval(sweeper);
        await app.close();
        await store.close();
        log.info("vault stopped");
        // The process usually exits next (SIGTERM): drain the log first, or the last lines are lost.
        if (options.logger) log.flush?.();
        else await closeLogger(log);
      })()),
  };
}

/**
 * Periodic housekeeping: erase the sealed login states of expired logins (§6.6) and
 * destroy records whose budget ran out and whose last KE2 expired (§6.3).
 */
export async function sweep(ctx: Pick<VaultContext, "clock" | "store" | "config" | "metrics" | "log">): Promise<void> {
  try {
    const now = ctx.clock.now();
    while ((await ctx.store.eraseExpiredLoginStates(now, 500)) === 500) {
      /* more to erase */
    }
    for (const accountId of await ctx.store.exhaustedAccounts(now, ctx.config.policy.failureBudget, 100)) {
      if (await destroyIfExhausted(ctx.store, { accountId, now, policy: ctx.config.policy })) {
        ctx.metrics.inc("vault_records_destroyed_total");
        ctx.log.warn({ account: accountId }, "vault record destroyed: failure budget spent");
      }
    }
  } catch (err) {
    ctx.log.warn({ err }, "sweep failed");
  }
}
