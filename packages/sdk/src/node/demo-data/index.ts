/**
 * Deterministic demo chat histories (WhatsApp-msgstore-like SQLite + media) for tests,
 * the benchmark and the demo. Not part of the backup format.
 */
export { generateDemoData, DEMO_START_MS, DEMO_SPAN_MS } from "./generate.ts";
export type { DemoDataProgress, DemoDataSummary, GenerateDemoDataOptions } from "./generate.ts";
export { mutateDemoData } from "./mutate.ts";
export type { DemoDataMutation, MutateDemoDataOptions } from "./mutate.ts";
export { DemoDataError } from "./errors.ts";
export { DEMO_SCHEMA, DEMO_INDEXES, MessageStatus } from "./schema.ts";
export type { DemoSeed } from "./prng.ts";
