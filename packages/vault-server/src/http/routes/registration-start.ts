/**
 * POST /v1/registration/start — OPAQUE registration, first server step (spec §5.1).
 * Stateless: the response depends only on the server setup, the account and the request.
 */
import * as opaque from "@serenity-kit/opaque";
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type RegistrationStartRequest, type RegistrationStartResponse } from "@chatvault/vault-protocol";
import { nextRecordVersion } from "../../store/record-transitions.ts";
import { badRequest } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

export function registrationStartRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: RegistrationStartRequest }>(VAULT_PATHS.registrationStart, { schema: { body: SCHEMAS.registrationStart } }, async (req) => {
    const row = await ctx.store.getRecord(req.accountId);
    let registrationResponse: string;
    try {
      ({ registrationResponse } = opaque.server.createRegistrationResponse({
        serverSetup: ctx.secrets.unsafeServerSetup(),
        userIdentifier: req.accountId,
        registrationRequest: req.body.registrationRequest,
      }));
    } catch {
      throw badRequest("registrationRequest is not a valid OPAQUE message");
    }
    const out: RegistrationStartResponse = {
      registrationResponse,
      recordVersion: nextRecordVersion(row, ctx.crypto.firstRecordVersion(req.accountId)),
      serverPublicKey: ctx.secrets.serverPublicKey(),
    };
    return out;
  });
}
