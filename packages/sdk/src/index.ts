/**
 * @chatvault/sdk — the backup engine's platform-neutral core: repository, packs,
 * index, snapshot manifests, freshness, verify, prune. Node-specific parts (database
 * source, media walk, backup, restore) are in `@chatvault/sdk/node`. Programs that care
 * about start-up time import `./core` plus the one operation they run (`./verify`,
 * `./prune`) instead of this barrel.
 */
export * from "./core.ts";
export {
  FAILURES,
  type Failure,
  type FailureCategory,
  type FailureCode,
  type FailureFacts,
  type IntegrityKind,
  type RetryAdvice,
  describeFailure,
  integrityKind,
} from "./failures.ts";
export { type ChunkCodec, type CompressedPayload, type Compressor, looksCompressible } from "./backup/compressor.ts";
export { Packer } from "./backup/packer.ts";
export { type BackupResult, BackupSession, type SkippedFile } from "./backup/session.ts";
export { type BytesBackupOptions, type BytesDatabase, type BytesMedia, backupBytes, sqlitePageSize } from "./backup/bytes-backup.ts";
export { browserCompressor, fflateCompressor } from "./backup/fflate-compressor.ts";
export { type BytesRestoreResult, restoreToBytes } from "./restore/bytes-restore.ts";
export { type DamagedFile, type PlannedFile, type RestorePlan, planRestore } from "./restore/plan.ts";
export { ChunkStore } from "./backup/chunk-store.ts";
export { deleteRepository } from "./repo/delete-repository.ts";
export { decodePackHeader, readPackHeader } from "./repo/pack.ts";
export { openChunk, readPackChunks } from "./repo/chunk-reader.ts";
export { type VerifyReport, verify } from "./verify.ts";
export { type KeepPolicy, type PruneResult, prune, selectKept } from "./prune.ts";
export { type PruneOptions } from "./prune.ts";
