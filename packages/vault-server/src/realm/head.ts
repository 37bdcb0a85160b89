/**
 * The anti-rollback head at a realm (spec/threshold-vault.md §5.7): signed by the head key
 * derived from K and verified with the current registration's headPublicKey before a
 * monotonic conditional write, so a realm can withhold a head but never forge or advance
 * it. The head is part of the account's bound state.
 */
import { info, verified } from "./account.ts";
import type { RealmContext } from "./context.ts";
import { RealmHttpError, realmErrors } from "./errors.ts";
import { verifyHeadSignature, type RealmHead } from "./protocol.ts";
import type { RealmAccountRow } from "./store.ts";

const b = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));
const wire = (a: Pick<RealmAccountRow, "headSequence" | "headDigest" | "headSignature"> | null): RealmHead =>
  a && a.headSequence > 0 ? { sequence: a.headSequence, digest: a.headDigest, signature: a.headSignature } : { sequence: 0, digest: null, signature: null };

export async function readHead(ctx: RealmContext, accountId: string): Promise<RealmHead> {
  return wire(verified(ctx, await ctx.store.getAccount(accountId)));
}

type Advanced = { ok: true; head: RealmHead } | { ok: false; error: RealmHttpError };

export async function advanceHead(ctx: RealmContext, accountId: string, h: { sequence: number; digest: string; signature: string }): Promise<RealmHead> {
  const now = ctx.clock.now();
  const r = await ctx.store.changeAccount<Advanced>(accountId, (row) => {
    const a = verified(ctx, row);
    if (!a || a.state === "none") return { result: { ok: false, error: realmErrors.notEnabled() } };
    if (a.state === "destroyed") return { result: { ok: false, error: realmErrors.destroyed() } };
    const key = b(info(a.currentInfo)!.headPublicKey);
    if (!verifyHeadSignature(key, accountId, h.sequence, b(h.digest), b(h.signature))) {
      return { result: { ok: false, error: new RealmHttpError("head_signature_invalid", "the head signature does not verify with this account's head key") } };
    }
    const cur = wire(a);
    if (cur.sequence > h.sequence || (cur.sequence === h.sequence && cur.digest !== h.digest)) {
      return {
        result: {
          ok: false,
          error: new RealmHttpError(
            "head_conflict",
            cur.sequence > h.sequence ? "the realm already has a newer head" : "the realm has another digest for this sequence",
            { current: cur },
          ),
        },
      };
    }
    if (cur.sequence === h.sequence) return { result: { ok: true, head: cur } };
    const head = { sequence: h.sequence, digest: h.digest, signature: h.signature };
    return {
      result: { ok: true, head },
      put: ctx.codec.bind({ ...a, headSequence: h.sequence, headDigest: h.digest, headSignature: h.signature, updatedAt: now }),
    };
  });
  if (!r.ok) throw r.error;
  return r.head;
}
