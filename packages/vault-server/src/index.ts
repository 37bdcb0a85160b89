/**
 * @chatvault/vault-server — the Backup Key Vault (spec/vault-protocol.md, docs/vault.md).
 * Node only. Start one process with `startVaultServer`, several on one port with
 * `startVaultCluster`, or run `src/main.ts`. Test and load-test support (an in-process test
 * vault, the vault as a child process, realms, a keep-alive fetch) is
 * `@chatvault/vault-server/testing`.
 */
export { startVaultServer, type StartVaultServerOptions, type RunningVault } from "./server.ts";
export { startVaultCluster, VaultStartupError, type VaultClusterOptions, type RunningVaultCluster } from "./cluster/cluster.ts";
export {
  resolveConfig,
  describeConfig,
  defaultDataDir,
  DATA_FILES,
  DEFAULT_PORT,
  type VaultServerConfig,
  type VaultServerOptions,
  type DatabaseConfig,
  type RateLimitConfig,
} from "./config.ts";
export {
  parseCommandLine,
  parseDuration,
  usage as commandLineUsage,
  FLAGS as COMMAND_LINE_FLAGS,
  type CommandLineFlag,
  type CommandLineFlagName,
} from "./command-line.ts";
export { mintDevToken, loadOrCreateDevSecret, type MintDevTokenOptions } from "./auth/dev-token.ts";
export { createAccountVerifier, AccountTokenError, type AuthConfig, type AccountVerifier } from "./auth/account-token.ts";
export { DEFAULT_POLICY, resolvePolicy, lockDuration, type GuessPolicy } from "./policy.ts";
export { systemClock, OffsetClock, ManualClock, type Clock } from "./clock.ts";
export { SealerError, DEFAULT_PKCS11_KEY_LABEL, type Sealer, type SealerConfig, type SealerErrorCode } from "./sealing/sealer.ts";
export { openVaultStore, openMigratedVaultStore } from "./store/open.ts";
export type { VaultStore, MigrateOptions, RecordRow, AttemptRow, HeadRow } from "./store/vault-store.ts";
export { createLogger, type LoggerOptions } from "./logger.ts";
export { redactConnectionString } from "./connection-string.ts";
