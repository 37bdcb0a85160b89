/**
 * `@chatvault/storage`: the storage interface, its errors, the in-memory adapter and the
 * decorators. Browser-safe: imports nothing from Node. The Node-only adapters are subpath
 * entries: `@chatvault/storage/fs`, `@chatvault/storage/s3`, and the shared test suite
 * `@chatvault/storage/conformance`.
 */
export type { GetRange, ObjectInfo, PutOptions, Storage } from "./types.ts";
export { InvalidObjectNameError, ObjectExistsError, ObjectNotFoundError, StorageError, StorageUnavailableError, isRetryable } from "./errors.ts";
export { MAX_NAME_LENGTH, MAX_SEGMENT_LENGTH, checkListPrefix, checkObjectName, checkRange, isValidObjectName } from "./names.ts";
export { MemoryStorage } from "./memory.ts";
export { inPutBuffer, putBuffer } from "./put-buffer.ts";
export { checkInto, readInto } from "./read-into.ts";
export * from "./decorators/index.ts";
