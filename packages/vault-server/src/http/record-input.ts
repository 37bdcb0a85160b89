/**
 * Checks shared by enable and change password (spec/vault-protocol.md §5.1, §3.2):
 * the KSF must pass the shared rules (bounds and cross-field, `keyStretchingProblem`) and
 * be exactly the vault's KSF (the default) unless weak test settings are allowed; the
 * uploaded OPAQUE record must be usable (a trial login start with it succeeds), so a bad
 * upload is a 400 now, not a 500 later.
 */
import * as opaque from "@serenity-kit/opaque";
import { DEFAULT_KEY_STRETCHING, keyStretchingProblem, sameKeyStretching, type KeyStretching, type RegistrationFinishRequest } from "@chatvault/vault-protocol";
import { badRequest } from "./errors.ts";
import type { VaultContext } from "./context.ts";

export interface RecordInput {
  /** KSF as stored (canonical JSON). */
  keyStretching: string;
  /** Head public key (spec §7.1), or null from clients older than head proofs. */
  headKey: Uint8Array | null;
}

export function checkRecordInput(ctx: VaultContext, accountId: string, body: RegistrationFinishRequest): RecordInput {
  const ks: KeyStretching = body.keyStretching;
  const problem = keyStretchingProblem(ks);
  if (problem !== null) throw badRequest(problem);
  // One KSF for every record, so a login-start answer's KSF says nothing about the account (§5.4).
  if (!ctx.config.allowWeakKeyStretching && !sameKeyStretching(ks, DEFAULT_KEY_STRETCHING)) {
    throw badRequest("keyStretching must be this vault's (Argon2id, 64 MiB, 3 passes, 4 lanes)");
  }
  try {
    opaque.server.startLogin({
      serverSetup: ctx.secrets.unsafeServerSetup(),
      userIdentifier: accountId,
      registrationRecord: body.registrationRecord,
      startLoginRequest: ctx.probeLoginRequest,
    });
  } catch {
    throw badRequest("registrationRecord is not a valid OPAQUE registration record");
  }
  return {
    keyStretching: JSON.stringify({ algorithm: ks.algorithm, memoryKiB: ks.memoryKiB, iterations: ks.iterations, parallelism: ks.parallelism }),
    headKey: body.headPublicKey === undefined ? null : new Uint8Array(Buffer.from(body.headPublicKey, "base64url")),
  };
}
