/**
 * @chatvault/sdk/core — what every command needs and nothing an operation alone needs:
 * errors, progress, repository, head stores, locks, manifests, exclude rules. Commands
 * import their operation from its own entry (`./verify`, `./prune`, `./node/backup`, …)
 * so that, say, a backup does not load restore, verify, prune or fflate (start-up time,
 * docs/performance.md). The `.` entry re-exports all of this and the rest.
 */
export * from "./errors.ts";
export { type ProgressEvent, type ProgressListener, ProgressTracker } from "./progress.ts";
export { ChunkIndex, type ChunkLocation, type IndexEntry, decodeIndex, encodeIndex } from "./repo/chunk-index.ts";
export { type Protection, type RepositoryConfig, parseConfig } from "./repo/config.ts";
export {
  type Head,
  type HeadRecordIO,
  type HeadStore,
  type RealmSetHeadApi,
  type VaultHeadApi,
  authenticatedHeadStore,
  memoryHeadStore,
  realmSetHeadStore,
  vaultHeadStore,
} from "./repo/head.ts";
export * as layout from "./repo/layout.ts";
export { type DatabaseEntry, type MediaEntry, type SnapshotManifest, decodeManifest, encodeManifest } from "./repo/manifest.ts";
export {
  DEFAULT_PACK_SIZE,
  type InitOptions,
  MAX_METADATA_OBJECT,
  NEW_REPOSITORY_CHUNKER,
  Repository,
  type SnapshotRef,
  checkFreshness,
  findSnapshot,
} from "./repo/repository.ts";
export {
  type BrokenLock,
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_LEASE_MS,
  type LockOptions,
  RepositoryLock,
  type StoredLock,
  breakLocks,
  listLocks,
  lockIsLive,
  withLock,
  withReaderLock,
} from "./repo/lock.ts";
export { type LockMode, type LockRecord, decodeLockRecord, modesConflict } from "./repo/lock-record.ts";
export { newestRefs, pickLatest } from "./repo/freshness.ts";
export { type ResolvedSnapshot } from "./repo/repository.ts";
export { ExcludePatternError, ExcludeRules } from "./select/exclude.ts";
