/**
 * GET / POST /v1/head — the monotonic "latest backup" marker (spec §7), and
 * POST /v1/head/key — register the head key of a record that has none (§7.1).
 *
 * Once the record has a head key, an update MUST carry an Ed25519 signature under it
 * (`head-proof.ts` of the protocol package), checked before the conditional write, so a
 * token holder without the root key cannot move the head. Advancing to a lower sequence,
 * or to the same sequence with another digest, is refused with 409 head_conflict and the
 * current head, so a client can detect a rollback.
 */
import type { FastifyInstance } from "fastify";
import {
  VAULT_PATHS,
  decodeDigest,
  verifyHeadSignature,
  type BackupHead,
  type HeadAdvanceRequest,
  type HeadKeyRegisterRequest,
  type HeadKeyRegisteredResponse,
} from "@chatvault/vault-protocol";
import { registerHeadKey } from "../../store/record-transitions.ts";
import type { HeadRow } from "../../store/vault-store.ts";
import { verifySessionToken } from "../../auth/session-token.ts";
import { HttpError, badRequest } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";
import { sessionInvalid } from "./record-replace.ts";

const wire = (h: HeadRow | null): BackupHead =>
  h
    ? { sequence: h.sequence, digest: h.digest, updatedAt: h.updatedAt, signature: h.signature }
    : { sequence: 0, digest: null, updatedAt: null, signature: null };

export function headRoutes(app: FastifyInstance, ctx: VaultContext): void {
  app.get(VAULT_PATHS.head, async (req) => wire(await ctx.store.getHead(req.accountId)));

  app.post<{ Body: HeadAdvanceRequest }>(VAULT_PATHS.head, { schema: { body: SCHEMAS.headAdvance } }, async (req) => {
    const { sequence, digest, signature } = req.body;
    const bytes = decodeDigest(digest); // the client's own rule: whole bytes, 16–64
    if (!bytes) throw badRequest("digest must be canonical base64url of 16–64 bytes");
    const record = await ctx.store.getRecord(req.accountId);
    const headKey = record?.headKey ?? null;
    if (headKey !== null) {
      const sig = signature === undefined ? null : new Uint8Array(Buffer.from(signature, "base64url"));
      if (!sig || !verifyHeadSignature(headKey, req.accountId, sequence, bytes, sig)) {
        throw new HttpError("head_signature_invalid", "the head update is not signed with this record's head key");
      }
    }
    // Without a registered key the vault cannot check a signature, so it stores the head
    // unsigned (spec §7.1: what an unregistered record still allows); clients ignore such heads.
    const r = await ctx.store.advanceHead(
      req.accountId,
      {
        sequence,
        digest,
        signature: headKey !== null ? signature! : null,
        replaceUnsigned: headKey !== null,
        expectedHeadKey: headKey,
      },
      ctx.clock.now(),
    );
    if (!r.ok && "recordChanged" in r) throw new HttpError("record_changed", "the vault record changed during this update; retry");
    if (!r.ok) {
      throw new HttpError(
        "head_conflict",
        r.current.sequence > sequence ? "the vault already has a newer head" : "the vault has another digest for this sequence",
        { current: wire(r.current) },
      );
    }
    return wire(r.head);
  });

  app.post<{ Body: HeadKeyRegisterRequest }>(VAULT_PATHS.headKey, { schema: { body: SCHEMAS.headKeyRegister } }, async (req) => {
    const claims = verifySessionToken(ctx.crypto, req.accountId, req.body.sessionToken, ctx.clock.now());
    if (!claims) throw sessionInvalid();
    const r = await registerHeadKey(ctx.store, {
      accountId: req.accountId,
      recordId: claims.recordId,
      version: claims.recordVersion,
      headKey: new Uint8Array(Buffer.from(req.body.headPublicKey, "base64url")),
      now: ctx.clock.now(),
    });
    if (r.kind === "not_enabled") throw new HttpError("not_enabled", "password protection is not enabled for this account");
    if (r.kind === "destroyed") throw new HttpError("destroyed", "the vault record was destroyed");
    if (r.kind === "stale") throw new HttpError("record_changed", "the vault record changed since this login; log in again");
    if (r.kind === "mismatch") throw new HttpError("head_key_conflict", "the record already has another head key");
    if (r.kind === "registered") req.log.info({ account: req.accountId }, "head key registered");
    const out: HeadKeyRegisteredResponse = { headKeyRegistered: true };
    return out;
  });
}
