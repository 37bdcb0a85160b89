/**
 * Backup head — the monotonic "latest backup" marker (spec/vault-protocol.md §7), signed
 * with the head key derived from the root key (§7.1): the vault refuses unsigned updates
 * once the record has a head key, and the client trusts only heads whose signature it
 * verified itself, so a vault (or a token holder) can withhold a head but not forge or
 * advance it.
 *
 * `advanceHead` errors: `HeadConflictError { current }` when the vault already has a
 * higher sequence, or the same sequence with another digest (possible rollback);
 * `VaultRequestError("head_signature_invalid")` when the vault holds another head key.
 * `getVerifiedHead` errors: `VaultProtocolError` when a signature does not verify.
 */
import { RootKey, fromBase64Url, toBase64Url } from "@chatvault/format";
import { decodeDigest } from "../codecs.ts";
import type { OperationContext } from "../context.ts";
import { VaultProtocolError } from "../errors.ts";
import { deriveHeadSigningKey, verifyHeadSignature } from "../head-proof.ts";
import type { BackupHead } from "../wire.ts";

/** The head as the vault stores it, signature unchecked (for display). */
export function getHead(ctx: OperationContext): Promise<BackupHead> {
  return ctx.transport.getHead();
}

const NO_HEAD: BackupHead = { sequence: 0, digest: null, updatedAt: null, signature: null };
const rootBytes = (k: RootKey | Uint8Array) => (k instanceof RootKey ? k.unsafeBytes() : k);

/**
 * The head, trusted only if signed by this root key's head key. An unsigned head (written
 * before head proofs, or by an old client) is treated as no head: it proves nothing.
 */
export async function getVerifiedHead(ctx: OperationContext, rootKey: RootKey | Uint8Array): Promise<BackupHead> {
  const h = await ctx.transport.getHead();
  if (h.sequence === 0 || h.digest === null || h.signature === null) return { ...NO_HEAD };
  const key = deriveHeadSigningKey(rootBytes(rootKey));
  if (!verifyHeadSignature(key.publicKey, await ctx.accountId(), h.sequence, fromBase64Url(h.digest), fromBase64Url(h.signature))) {
    throw new VaultProtocolError("the vault's backup head is not signed by this backup's key (forged or for another backup)");
  }
  return h;
}

export interface HeadUpdate {
  /** Strictly increasing snapshot sequence number (≥ 1). */
  sequence: number;
  /** Digest of the snapshot manifest: bytes (16–64) or their unpadded base64url. */
  digest: Uint8Array | string;
  /** The backup's root key: signs the update (§7.1). */
  rootKey: RootKey | Uint8Array;
}

export async function advanceHead(ctx: OperationContext, update: HeadUpdate): Promise<BackupHead> {
  if (!Number.isSafeInteger(update.sequence) || update.sequence < 1) throw new RangeError("sequence must be a safe integer ≥ 1");
  const digest = typeof update.digest === "string" ? update.digest : toBase64Url(update.digest);
  const bytes = decodeDigest(digest);
  if (bytes === null) throw new RangeError("digest must be 16–64 bytes (canonical unpadded base64url when a string)");
  const key = deriveHeadSigningKey(rootBytes(update.rootKey));
  const signature = toBase64Url(key.sign(await ctx.accountId(), update.sequence, bytes));
  return ctx.transport.advanceHead({ sequence: update.sequence, digest, signature });
}
