/**
 * @chatvault/sdk/node — backup and restore of a chat database and media folder on Node.
 * Importing it switches the format to the node:crypto backend (same bytes, faster).
 * It loads every operation; `./node/core` plus one of `./node/backup`, `./node/restore`,
 * `./node/check`, loads only what that operation needs.
 */
export * from "./core.ts";
export { backup, type BackupOptions, type BackupResult } from "./backup.ts";
export { restore, type RestoreOptions, type RestoreResult } from "./restore.ts";
export * from "./db-source/index.ts";
export { checkRestorable, type CheckOptions, type CheckResult } from "./check.ts";
