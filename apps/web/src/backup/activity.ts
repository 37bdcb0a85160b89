/**
 * What the backup machinery is doing right now, for the screens: a small observable that
 * outlives navigation (a backup keeps running while the user reads a chat).
 */
import type { ProgressEvent } from "@chatvault/sdk";

export type Activity =
  | { kind: "idle" }
  | { kind: "running"; operation: Operation; phase: string; fraction: number }
  | { kind: "failed"; operation: Operation; message: string }
  | { kind: "succeeded"; operation: Operation };

/** "check": a restore check (a restore into memory that replaces nothing). */
export type Operation = "backup" | "restore" | "check";

type Listener = (a: Activity) => void;

let current: Activity = { kind: "idle" };
const listeners = new Set<Listener>();

export function activity(): Activity {
  return current;
}

export function setActivity(a: Activity): void {
  current = a;
  for (const l of listeners) l(a);
}

export function onActivity(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Phases of the engine in the user's words. */
const PHASES: Record<string, string> = {
  starting: "Preparing…",
  "reading repository": "Checking your backup…",
  database: "Backing up messages…",
  media: "Backing up photos and videos…",
  uploading: "Uploading…",
  downloading: "Downloading messages and media…",
  done: "Finishing…",
};

export function progressActivity(operation: Operation, e: ProgressEvent): Activity {
  const fraction = e.bytesTotal > 0 ? Math.min(1, e.bytesDone / e.bytesTotal) : 0;
  return { kind: "running", operation, phase: PHASES[e.phase] ?? "Working…", fraction };
}
