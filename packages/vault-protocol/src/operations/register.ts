/**
 * OPAQUE registration plus root-key wrapping (spec/vault-protocol.md §5.1): builds the
 * body that enable (registration/finish) and change password (record/replace) send.
 */
import * as opaque from "@serenity-kit/opaque";
import { fromBase64Url, toBase64Url, type RootKey } from "@chatvault/format";
import { checkServerPublicKey, normalizePassword, opaqueReady, type OperationContext } from "../context.ts";
import { toOpaqueKeyStretching } from "../key-stretching.ts";
import { wrapRootKey } from "../wrap.ts";
import { deriveHeadSigningKey } from "../head-proof.ts";
import { VaultProtocolError } from "../errors.ts";
import type { RegistrationFinishRequest } from "../wire.ts";

export async function register(ctx: OperationContext, password: string, rootKey: RootKey): Promise<RegistrationFinishRequest> {
  const pw = normalizePassword(password);
  await opaqueReady();
  const accountId = await ctx.accountId();
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: pw });
  const started = await ctx.transport.registrationStart({ registrationRequest });
  checkServerPublicKey(ctx, started.serverPublicKey);
  let reg: ReturnType<typeof opaque.client.finishRegistration>;
  try {
    reg = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: started.registrationResponse,
      password: pw,
      keyStretching: toOpaqueKeyStretching(ctx.keyStretching),
    });
  } catch (cause) {
    throw new VaultProtocolError("the vault's registration response is not valid OPAQUE", { cause });
  }
  if (reg.serverStaticPublicKey !== started.serverPublicKey) throw new VaultProtocolError("the vault's OPAQUE public key is inconsistent");
  const exportKey = fromBase64Url(reg.exportKey);
  const wrappedRootKey = await wrapRootKey(rootKey, exportKey, accountId, started.recordVersion, { backend: ctx.backend });
  exportKey.fill(0);
  // The head key is registered with the record, so only the root key's holder can move the head (§7.1).
  const headPublicKey = toBase64Url(deriveHeadSigningKey(rootKey.unsafeBytes()).publicKey);
  return {
    registrationRecord: reg.registrationRecord,
    wrappedRootKey,
    recordVersion: started.recordVersion,
    keyStretching: { ...ctx.keyStretching },
    headPublicKey,
  };
}
