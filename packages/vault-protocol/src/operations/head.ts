/**
 * Backup head — the monotonic "latest backup" marker (spec/vault-protocol.md §7).
 * `advanceHead` errors: `HeadConflictError { current }` when the vault already has a
 * higher sequence, or the same sequence with another digest (possible rollback).
 */
import { fromBase64Url, toBase64Url } from "@chatvault/format";
import { DIGEST_BYTES } from "../codecs.ts";
import type { OperationContext } from "../context.ts";
import type { BackupHead } from "../wire.ts";

export function getHead(ctx: OperationContext): Promise<BackupHead> {
  return ctx.transport.getHead();
}

export interface HeadUpdate {
  /** Strictly increasing snapshot sequence number (≥ 1). */
  sequence: number;
  /** Digest of the snapshot manifest: bytes (16–64) or their unpadded base64url. */
  digest: Uint8Array | string;
}

export function advanceHead(ctx: OperationContext, update: HeadUpdate): Promise<BackupHead> {
  if (!Number.isSafeInteger(update.sequence) || update.sequence < 1) throw new RangeError("sequence must be a safe integer ≥ 1");
  const digest = typeof update.digest === "string" ? update.digest : toBase64Url(update.digest);
  const n = fromBase64Url(digest).length;
  if (n < DIGEST_BYTES.min || n > DIGEST_BYTES.max) throw new RangeError(`digest must be ${DIGEST_BYTES.min}–${DIGEST_BYTES.max} bytes`);
  return ctx.transport.advanceHead({ sequence: update.sequence, digest });
}

