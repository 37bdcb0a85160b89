/**
 * `@chatvault/storage/testing`: test support, kept out of the main entry so the product
 * never ships a fault injector by accident. Browser-safe like the main entry.
 */
export { withFaults, type Fault, type FaultPlan, type FaultRule, type FaultyStorage, type InjectedFault, type StorageOperation } from "./decorators/faults.ts";
