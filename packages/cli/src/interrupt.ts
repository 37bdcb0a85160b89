/**
 * Ctrl-C during long work: the first press asks the engine to stop at a safe point (the
 * write order packs → index → manifest → head means the previous snapshot stays whole,
 * spec §8.7); a second press quits at once, which is just as safe, only less tidy.
 */
import { EXIT } from "./exit-codes.ts";
import type { Output } from "./output.ts";

export async function interruptible<T>(out: Output, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(EXIT.cancelled);
    out.note("\nstopping… (Ctrl-C again to quit now)");
    ac.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(ac.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
