/**
 * Who holds a repository lock, on Node (spec §8.11): this host's name and process ID,
 * and whether a lock written on this host belongs to a process that is gone — such a
 * lock stops counting at once instead of when its lease runs out.
 */
import { hostname } from "node:os";
import type { LockOptions } from "../repo/lock.ts";
import type { LockRecord } from "../repo/lock-record.ts";

/** false when `pid` is certainly not running here (ESRCH); true otherwise (EPERM: someone else's). */
function processAlive(pid: number): boolean {
  if (pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export function nodeLockHolder(operation: string, host = hostname()): LockOptions {
  return {
    operation,
    host,
    pid: process.pid,
    isHolderAlive: (r: LockRecord) => (r.host === host ? processAlive(r.pid) : undefined),
  };
}
