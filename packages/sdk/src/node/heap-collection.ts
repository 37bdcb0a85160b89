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
    return typeof gc === "function" ? (type) => (gc as (o: { type: string }) => void)({ type }) : undefined;
  } catch {
    return undefined;
  }
}
