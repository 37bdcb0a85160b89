/** Decorators: wrap any `Storage` to add behaviour without touching the adapters. The fault injector is test support: `@chatvault/storage/testing`. */
export { withRetry, type RetryOptions, type RetryInfo } from "./retry.ts";
export { withConcurrencyLimit } from "./concurrency.ts";
