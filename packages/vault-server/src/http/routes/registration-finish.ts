/**
 * POST /v1/registration/finish — store a new vault record (enable, spec §5.1).
 * 409 already_enabled if one exists (change the password instead); 409 record_changed if
 * `recordVersion` is not the one registration/start announced.
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type RecordWrittenResponse, type RegistrationFinishRequest } from "@chatvault/vault-protocol";
import { randomBytes } from "node:crypto";
import { createRecord } from "../../store/record-transitions.ts";
import { HttpError } from "../errors.ts";
import { checkRecordInput } from "../record-input.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

export function registrationFinishRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: RegistrationFinishRequest }>(VAULT_PATHS.registrationFinish, { schema: { body: SCHEMAS.registrationFinish } }, async (req, reply) => {
    const b = req.body;
    const { keyStretching, headKey } = checkRecordInput(ctx, req.accountId, b);
    const sealedRecord = ctx.crypto.sealRecord(req.accountId, b.recordVersion, {
      registrationRecord: b.registrationRecord,
      wrappedRootKey: { nonce: b.wrappedRootKey.nonce, ciphertext: b.wrappedRootKey.ciphertext },
    });
    const r = await createRecord(ctx.store, {
      accountId: req.accountId,
      version: b.recordVersion,
      firstVersion: ctx.crypto.firstRecordVersion(req.accountId),
      sealedRecord,
      keyStretching,
      headKey,
      recordId: randomBytes(16).toString("base64url"),
      now: ctx.clock.now(),
    });
    if (r.kind === "exists") throw new HttpError("already_enabled", "password protection is already enabled for this account");
    if (r.kind === "version_mismatch") throw new HttpError("record_changed", "recordVersion is stale; start the registration again");
    ctx.metrics.inc("vault_records_written_total", { operation: "enable" });
    req.log.info({ account: req.accountId, version: r.version }, "vault record created");
    const out: RecordWrittenResponse = { state: "enabled", recordVersion: r.version };
    return reply.code(201).send(out);
  });
}
