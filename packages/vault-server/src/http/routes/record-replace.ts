/**
 * POST /v1/record/replace — change password (spec §5.3): a new OPAQUE record and the same
 * root key re-wrapped, accepted only with a session token from a login that succeeded
 * moments ago for the current record version.
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type RecordReplaceRequest, type RecordWrittenResponse } from "@chatvault/vault-protocol";
import { replaceRecord } from "../../store/record-transitions.ts";
import { verifySessionToken } from "../../auth/session-token.ts";
import { HttpError } from "../errors.ts";
import { checkRecordInput } from "../record-input.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

export const sessionInvalid = () => new HttpError("session_invalid", "the session token is invalid or expired; log in again");

export function recordReplaceRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: RecordReplaceRequest }>(VAULT_PATHS.recordReplace, { schema: { body: SCHEMAS.recordReplace } }, async (req) => {
    const b = req.body;
    const claims = verifySessionToken(ctx.crypto, req.accountId, b.sessionToken, ctx.clock.now());
    if (!claims) throw sessionInvalid();
    const { keyStretching, headKey } = checkRecordInput(ctx, req.accountId, b);
    const sealedRecord = ctx.crypto.sealRecord(req.accountId, b.recordVersion, {
      registrationRecord: b.registrationRecord,
      wrappedRootKey: { nonce: b.wrappedRootKey.nonce, ciphertext: b.wrappedRootKey.ciphertext },
    });
    const r = await replaceRecord(ctx.store, {
      accountId: req.accountId,
      recordId: claims.recordId,
      currentVersion: claims.recordVersion,
      newVersion: b.recordVersion,
      sealedRecord,
      keyStretching,
      headKey,
      now: ctx.clock.now(),
    });
    if (r.kind === "head_key_mismatch")
      throw new HttpError("head_key_conflict", "headPublicKey differs from the record's head key (a password change keeps the root key)");
    if (r.kind === "not_enabled") throw new HttpError("not_enabled", "password protection is not enabled for this account");
    if (r.kind === "destroyed") throw new HttpError("destroyed", "the vault record was destroyed");
    if (r.kind === "stale") throw new HttpError("record_changed", "the vault record changed since this login; log in again");
    ctx.metrics.inc("vault_records_written_total", { operation: "replace" });
    req.log.info({ account: req.accountId, version: r.version }, "vault record replaced (password changed)");
    const out: RecordWrittenResponse = { state: "enabled", recordVersion: r.version };
    return out;
  });
}
