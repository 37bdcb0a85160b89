/**
 * V8's `gc` for this isolate, for the few places where a restore knows that much just
 * became garbage (workers/restore-worker.ts after each answer, restore-download.ts after
 * the planning). The flag is set only long enough to fetch the function from a fresh
 * context and reset at once, so no context made later sees a global `gc`.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export type Collect = (type: "minor" | "major") => void;

/** The collector, or undefined if V8 refuses the flag (an embedding may lock flags). */
export function exposedGc(): Collect | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    setFlagsFromString("--no-expose-gc");
    if (typeof gc !== "function") return undefined;
    const run = gc as (o?: { type: string }) => void;
    // Node 20's V8 runs a scavenge for `gc({ type: "major" })` (any options object, traced
    // with --trace-gc): only `gc()` without options is a full mark-compact there.
    return (type) => (type === "major" ? run() : run({ type }));
  } catch {
    return undefined;
  }
}
