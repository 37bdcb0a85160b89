/**
 * What the backup machinery is doing right now, for the screens: a small observable that
 * outlives navigation (a backup keeps running while the user reads a chat).
 */
import type { ProgressEvent } from "@chatvault/sdk";

export type Activity =
  | { kind: "idle" }
  | { kind: "running"; operation: "backup" | "restore"; phase: string; fraction: number }
  | { kind: "failed"; operation: "backup" | "restore"; message: string }
  | { kind: "succeeded"; operation: "backup" | "restore" };

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

export function progressActivity(operation: "backup" | "restore", e: ProgressEvent): Activity {
  const fraction = e.bytesTotal > 0 ? Math.min(1, e.bytesDone / e.bytesTotal) : 0;
  return { kind: "running", operation, phase: PHASES[e.phase] ?? "Working…", fraction };
}
