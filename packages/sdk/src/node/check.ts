/**
 * Restore check (spec §12): prove that a snapshot can be restored, without touching the
 * user's folders. It is a complete restore — snapshot resolved against the head, every
 * chunk downloaded, authenticated and checked against its keyed ID, the database rebuilt
 * and run through `PRAGMA integrity_check` (node/restore.ts) — into a scratch folder of
 * its own (mode 0700, in the OS temp dir by default), which is removed afterwards
 * whatever happens: success, failure, an aborted signal, or the process exiting.
 */
// The node:crypto backend, whichever SDK entry brought this module in (node-crypto.ts).
import "./node-crypto.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { chmod, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Compressor } from "../backup/compressor.ts";
import type { ProgressListener } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import type { LockOptions } from "../repo/lock.ts";
import type { Repository } from "../repo/repository.ts";
import { restore } from "./restore.ts";

export interface CheckOptions {
  repo: Repository;
  heads: HeadStore;
  /** "latest" (default), a sequence number, or a digest prefix. */
  snapshot?: string;
  /** Folder in which the scratch folder is made (default: the OS temp dir). */
  scratchParent?: string;
  compressor?: Compressor;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  lock?: LockOptions;
  /** Clock for `checkedAt` (tests). */
  now?: () => Date;
}

export interface CheckResult {
  snapshot: { sequence: number; digest: string; time: string };
  /** When the check passed (ISO 8601). */
  checkedAt: string;
  /** Whether the snapshot holds a database (checked with PRAGMA integrity_check). */
  database: boolean;
  mediaFiles: number;
  /** Plaintext bytes downloaded, authenticated and written to the scratch folder. */
  bytes: number;
}

/** Restore into a private scratch folder, check everything, remove it. Throws what restore throws. */
export async function checkRestorable(opts: CheckOptions): Promise<CheckResult> {
  // A second Ctrl-C exits the process at once: the scratch folder goes on the way out too.
  // Made synchronously, so no signal can land between its creation and this exit hook; the
  // hook stays until the folder is gone (a second Ctrl-C during the removal below finishes it).
  const scratch = mkdtempSync(join(opts.scratchParent ?? tmpdir(), "chatvault-check-"));
  const onExit = () => rmSync(scratch, { recursive: true, force: true });
  process.once("exit", onExit);
  try {
    await chmod(scratch, 0o700); // mkdtemp already makes 0700; say it, whatever the umask
    const r = await restore({
      repo: opts.repo,
      heads: opts.heads,
      to: scratch,
      ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
      ...(opts.compressor ? { compressor: opts.compressor } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      lock: { ...opts.lock, operation: "check" },
    });
    return {
      snapshot: r.snapshot,
      checkedAt: (opts.now?.() ?? new Date()).toISOString(),
      database: r.database !== null,
      mediaFiles: r.mediaFiles,
      bytes: r.bytes,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    process.off("exit", onExit);
  }
}
