/**
 * @chatvault/demo-data — deterministic demo chat histories (WhatsApp-msgstore-like SQLite +
 * media) for the demo (`chatvault demo-data`), tests and the benchmark. Node only. Not part
 * of the backup format, and nothing here imports the backup engine.
 */
export { generateDemoData, DEMO_START_MS, DEMO_SPAN_MS } from "./generate.ts";
export type { DemoDataProgress, DemoDataSummary, GenerateDemoDataOptions } from "./generate.ts";
export { mutateDemoData } from "./mutate.ts";
export type { DemoDataMutation, MutateDemoDataOptions } from "./mutate.ts";
export { DemoDataError } from "./errors.ts";
export { DEMO_SCHEMA, DEMO_INDEXES, MessageStatus } from "./schema.ts";
export type { DemoSeed } from "./prng.ts";
export { LIVE_WRITER_PATH, LIVE_WRITER_EXEC_ARGV } from "./live-writer-path.ts";
