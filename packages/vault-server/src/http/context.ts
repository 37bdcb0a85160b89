/**
 * What every route handler gets: configuration, state, secrets, clock, metrics, logger.
 * Built once per process by `server.ts`.
 */
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { VaultServerConfig } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import type { VaultStore } from "../store/vault-store.ts";
import type { RecordCrypto } from "../sealing/record-crypto.ts";
import type { VaultSecrets } from "../sealing/vault-secrets.ts";
import type { AccountVerifier } from "../auth/account-token.ts";

export interface VaultContext {
  config: VaultServerConfig;
  store: VaultStore;
  secrets: VaultSecrets;
  crypto: RecordCrypto;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
  verifyAccount: AccountVerifier;
  /** A valid KE1, used to check that an uploaded OPAQUE record is usable (spec §5.1). */
  probeLoginRequest: string;
  /** Text for /metrics (a cluster worker asks the primary for the sum over workers). */
  metricsText(): Promise<string>;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The verified account (token `sub`); set for every /v1/ route before the handler runs. */
    accountId: string;
    startedAt: bigint;
  }
}
