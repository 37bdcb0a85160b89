/**
 * @chatvault/sdk/node — backup and restore of a chat database and media folder on Node.
 * Importing it switches the format to the node:crypto backend (same bytes, faster).
 */
import { useNodeCrypto } from "@chatvault/format/node";

useNodeCrypto();

export { backup, type BackupOptions, type BackupResult } from "./backup.ts";
export { restore, type RestoreOptions, type RestoreResult } from "./restore.ts";
export { localHeadStore } from "./local-head.ts";
export { nodeLockHolder } from "./lock-holder.ts";
export { walkMedia, type MediaFile } from "./media-walk.ts";
export { zlibCompressor } from "./zlib-compressor.ts";
export { openStorage } from "./open-storage.ts";
export { describeErrno, errnoOf, localFileError, problemOf } from "./local-errors.ts";
export * from "./db-source/index.ts";
export { checkRestorable, type CheckOptions, type CheckResult } from "./check.ts";
