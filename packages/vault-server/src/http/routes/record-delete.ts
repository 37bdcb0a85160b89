/**
 * POST /v1/record/delete — turn password protection off (spec §5.5): deletes the record,
 * the wrapped root key and the attempt history. Needs a fresh session token.
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type RecordDeleteRequest, type RecordDeletedResponse } from "@chatvault/vault-protocol";
import { deleteRecord } from "../../store/record-transitions.ts";
import { verifySessionToken } from "../../auth/session-token.ts";
import { HttpError } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";
import { sessionInvalid } from "./record-replace.ts";

export function recordDeleteRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: RecordDeleteRequest }>(VAULT_PATHS.recordDelete, { schema: { body: SCHEMAS.recordDelete } }, async (req) => {
    const claims = verifySessionToken(ctx.crypto, req.accountId, req.body.sessionToken, ctx.clock.now());
    if (!claims) throw sessionInvalid();
    const r = await deleteRecord(ctx.store, { accountId: req.accountId, recordId: claims.recordId, version: claims.recordVersion });
    if (r.kind === "not_enabled") throw new HttpError("not_enabled", "password protection is not enabled for this account");
    if (r.kind === "destroyed") throw new HttpError("destroyed", "the vault record was destroyed");
    if (r.kind === "stale") throw new HttpError("record_changed", "the vault record changed since this login; log in again");
    ctx.metrics.inc("vault_records_written_total", { operation: "delete" });
    req.log.info({ account: req.accountId }, "vault record deleted (password protection off)");
    const out: RecordDeletedResponse = { state: "not_enabled" };
    return out;
  });
}
