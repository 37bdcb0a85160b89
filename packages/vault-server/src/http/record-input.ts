/**
 * Checks shared by enable and change password (spec/vault-protocol.md §5.1, §3.2):
 * the KSF must meet the vault's floor, and the uploaded OPAQUE record must be usable
 * (a trial login start with it succeeds), so a bad upload is a 400 now, not a 500 later.
 */
import * as opaque from "@serenity-kit/opaque";
import { meetsDefaultStrength, type KeyStretching, type RegistrationFinishRequest } from "@chatvault/vault-protocol";
import { badRequest } from "./errors.ts";
import type { VaultContext } from "./context.ts";

export function checkRecordInput(ctx: VaultContext, accountId: string, body: RegistrationFinishRequest): string {
  const ks: KeyStretching = body.keyStretching;
  if (!ctx.config.allowWeakKeyStretching && !meetsDefaultStrength(ks)) {
    throw badRequest("keyStretching is weaker than this vault accepts (Argon2id, at least 64 MiB and 3 passes)");
  }
  try {
    opaque.server.startLogin({
      serverSetup: ctx.secrets.unsafeServerSetup(), userIdentifier: accountId,
      registrationRecord: body.registrationRecord, startLoginRequest: ctx.probeLoginRequest,
    });
  } catch {
    throw badRequest("registrationRecord is not a valid OPAQUE registration record");
  }
  return JSON.stringify({ algorithm: ks.algorithm, memoryKiB: ks.memoryKiB, iterations: ks.iterations, parallelism: ks.parallelism });
}
