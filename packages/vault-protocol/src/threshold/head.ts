/**
 * The anti-rollback head at the realms (spec/threshold-vault.md §6.8): read the newest
 * authentic head of those that answer (a head that fails verification names its realm
 * `forged_head`), and advance it at n − t + 1 realms so any later read of t realms sees it.
 */
import { RootKey, toBase64Url } from "@chatvault/format";
import { deriveHeadSigningKey, verifyHeadSignature } from "../head-proof.ts";
import type { ThresholdContext } from "./context.ts";
import { fieldBytes, headDigestBytes } from "./codecs.ts";
import { RealmRequestError, RealmsUnavailableError, type RealmReport } from "./errors.ts";
import { noteFailure } from "./survey.ts";
import type { RealmHead } from "./wire.ts";

export interface HeadReading {
  /** Newest authentic head, `{0, null, null}` when none. */
  head: RealmHead;
  realms: RealmReport[];
  /** How many realms answered (authentic or empty). */
  answered: number;
}

function reportsFor(ctx: ThresholdContext): RealmReport[] {
  return ctx.realmSet.realms.map((r) => ({ id: r.id, url: r.url, status: "ok" as const }));
}

function authentic(publicKey: Uint8Array, accountId: string, h: RealmHead): boolean {
  if (h.sequence === 0) return true;
  const digest = headDigestBytes(h.digest!);
  return digest !== null && verifyHeadSignature(publicKey, accountId, h.sequence, digest, fieldBytes(h.signature!, "signature"));
}

export async function readHead(ctx: ThresholdContext, rootKey: RootKey): Promise<HeadReading> {
  const pk = deriveHeadSigningKey(rootKey.unsafeBytes()).publicKey;
  const realms = reportsFor(ctx);
  let best: RealmHead = { sequence: 0, digest: null, signature: null };
  let answered = 0;
  await Promise.all(
    ctx.apis.map(async (api, k) => {
      try {
        const h = await api.getHead();
        if (!authentic(pk, ctx.accountId, h)) {
          realms[k]!.status = "misbehaved";
          realms[k]!.reason = "forged_head";
          return;
        }
        answered++;
        if (h.sequence > best.sequence) best = h;
      } catch (e) {
        noteFailure(realms[k]!, e);
      }
    }),
  );
  if (answered < ctx.realmSet.threshold) throw new RealmsUnavailableError(realms, ctx.realmSet.threshold);
  return { head: best, realms, answered };
}

export interface HeadAdvance {
  head: RealmHead;
  accepted: number;
  realms: RealmReport[];
}

export async function advanceHead(ctx: ThresholdContext, rootKey: RootKey, sequence: number, digest: Uint8Array): Promise<HeadAdvance> {
  const key = deriveHeadSigningKey(rootKey.unsafeBytes());
  const head: RealmHead = { sequence, digest: toBase64Url(digest), signature: toBase64Url(key.sign(ctx.accountId, sequence, digest)) };
  const realms = reportsFor(ctx);
  let accepted = 0;
  await Promise.all(
    ctx.apis.map(async (api, k) => {
      try {
        await api.postHead(head);
        accepted++;
      } catch (e) {
        noteFailure(realms[k]!, e);
        if (e instanceof RealmRequestError && e.realmCode === "head_conflict") realms[k]!.code = "head_conflict";
      }
    }),
  );
  const needed = ctx.realmSet.realms.length - ctx.realmSet.threshold + 1;
  if (accepted < needed) throw new RealmsUnavailableError(realms, needed);
  return { head, accepted, realms };
}
