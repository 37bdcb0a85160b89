/**
 * @chatvault/sdk — the backup engine's platform-neutral core: repository, packs,
 * index, snapshot manifests, freshness, verify, prune. Node-specific parts (database
 * source, media walk, backup, restore) are in `@chatvault/sdk/node`.
 */
export * from "./errors.ts";
export {
  FAILURES, type Failure, type FailureCategory, type FailureCode, type FailureFacts, type IntegrityKind, type RetryAdvice, describeFailure, integrityKind,
} from "./failures.ts";
export { type ProgressEvent, type ProgressListener, ProgressTracker } from "./progress.ts";
export { type Compressor, looksCompressible } from "./backup/compressor.ts";
export { Packer } from "./backup/packer.ts";
export { type BackupResult, BackupSession, type SkippedFile } from "./backup/session.ts";
export { type BytesBackupOptions, type BytesDatabase, type BytesMedia, backupBytes, sqlitePageSize } from "./backup/bytes-backup.ts";
export { fflateCompressor } from "./backup/fflate-compressor.ts";
export { type BytesRestoreResult, restoreToBytes } from "./restore/bytes-restore.ts";
export { type DamagedFile, type PlannedFile, type RestorePlan, planRestore } from "./restore/plan.ts";
export { ChunkStore } from "./backup/chunk-store.ts";
export { ChunkIndex, type ChunkLocation, type IndexEntry, decodeIndex, encodeIndex } from "./repo/chunk-index.ts";
export { type Protection, type RepositoryConfig, parseConfig } from "./repo/config.ts";
export { type Head, type HeadRecordIO, type HeadStore, type RealmSetHeadApi, type VaultHeadApi, authenticatedHeadStore, memoryHeadStore, realmSetHeadStore, vaultHeadStore } from "./repo/head.ts";
export * as layout from "./repo/layout.ts";
export { deleteRepository } from "./repo/delete-repository.ts";
export { type DatabaseEntry, type MediaEntry, type SnapshotManifest, decodeManifest, encodeManifest } from "./repo/manifest.ts";
export { decodePackHeader, readPackHeader } from "./repo/pack.ts";
export { openChunk, readPackChunks } from "./repo/chunk-reader.ts";
export { DEFAULT_PACK_SIZE, type InitOptions, MAX_METADATA_OBJECT, Repository, type SnapshotRef, checkFreshness, findSnapshot } from "./repo/repository.ts";
export { type VerifyReport, verify } from "./verify.ts";
export { type KeepPolicy, type PruneResult, prune, selectKept } from "./prune.ts";
export { type PruneOptions } from "./prune.ts";
export {
  type BrokenLock, DEFAULT_CLOCK_SKEW_MS, DEFAULT_LEASE_MS, type LockOptions, RepositoryLock, type StoredLock, breakLocks, listLocks, lockIsLive, withLock, withReaderLock,
} from "./repo/lock.ts";
export { type LockMode, type LockRecord, decodeLockRecord, modesConflict } from "./repo/lock-record.ts";
export { newestRefs, pickLatest } from "./repo/freshness.ts";
export { type ResolvedSnapshot } from "./repo/repository.ts";
export { ExcludePatternError, ExcludeRules } from "./select/exclude.ts";
