/**
 * @chatvault/sdk/node/core — the Node pieces every command needs (storage, local head,
 * lock holder, local-file errors), without any operation. Each operation has its own
 * entry (`./node/backup`, `./node/restore`, `./node/check`) so a
 * command loads only its own (docs/performance.md). Importing it switches the format to
 * the node:crypto backend, like every Node entry.
 */
import "./node-crypto.ts";

export { localHeadStore } from "./local-head.ts";
export { nodeLockHolder } from "./lock-holder.ts";
export { walkMedia, type MediaFile } from "./media-walk.ts";
export { nodeCompressor, zlibCompressor } from "./zlib-compressor.ts";
export { openStorage } from "./open-storage.ts";
export { describeErrno, errnoOf, localFileError, problemOf } from "./local-errors.ts";
