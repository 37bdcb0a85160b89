/** Decorators: wrap any `Storage` to add behaviour without touching the adapters. */
export { withRetry, type RetryOptions, type RetryInfo } from "./retry.ts";
export { withConcurrencyLimit } from "./concurrency.ts";
export {
  withFaults, type Fault, type FaultPlan, type FaultRule, type FaultyStorage, type InjectedFault, type StorageOperation,
} from "./faults.ts";
