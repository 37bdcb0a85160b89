/**
 * Passkey protection in the page (spec/backup-format.md §13): the root key wrapped under
 * a key derived from a passkey's WebAuthn PRF output, one `keys/passkey-…` object per
 * passkey beside the repository's config. WebAuthn runs here; the bytes are the format's
 * (`wrapRootKeyForPasskey`, `decodePasskeyWrap`). Without PRF support nothing is left
 * half-enabled and the user is told to use a password or the 64-digit key.
 */
import {
  IntegrityError,
  PASSKEY_OBJECT_PREFIX,
  type PasskeyWrap,
  type RootKey,
  decodePasskeyWrap,
  encodePasskeyWrap,
  equalBytes,
  newPasskeyPrfSalt,
  passkeyObjectName,
  toBase64Url,
  unwrapRootKeyWithPasskey,
  wrapRootKeyForPasskey,
} from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import { UserFacingError } from "./errors.ts";

export const NO_PRF =
  "This passkey can't protect a backup: its password manager or security key doesn't support the PRF extension that chatvault needs. Use a password or the 64-digit key instead, or a passkey from another provider.";
/** At restore the user cannot switch to a password: say what to try instead. */
export const NO_PRF_AT_RESTORE =
  "This passkey gave no PRF output here, so it can't unlock the backup: this browser or password manager doesn't support the PRF extension that chatvault needs. Try it where you set up the backup, or in a browser that supports it.";
export const NO_PASSKEYS = "This browser doesn't support passkeys. Use a password or the 64-digit key instead.";
export const PASSKEY_CANCELLED = "The passkey request was cancelled or timed out. Try again when you're ready.";

/** The passkey gave no PRF output (spec §13.3: the clear message, a password or key offered). */
export class PasskeyUnsupportedError extends UserFacingError {}

export interface StoredPasskey {
  name: string;
  wrap: PasskeyWrap;
  /** A short, stable label for the list (the object name's first 8 hex digits). */
  label: string;
}

function webauthn(): CredentialsContainer {
  if (!globalThis.PublicKeyCredential || !navigator.credentials) throw new PasskeyUnsupportedError(NO_PASSKEYS);
  return navigator.credentials;
}

/** NotAllowedError is what a cancelled or timed-out prompt looks like. */
async function asked<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof DOMException && (e.name === "NotAllowedError" || e.name === "AbortError")) throw new UserFacingError(PASSKEY_CANCELLED);
    throw e;
  }
}

const challenge = () => globalThis.crypto.getRandomValues(new Uint8Array(32));

function prfFirst(cred: PublicKeyCredential): Uint8Array | undefined {
  const r = (cred.getClientExtensionResults() as { prf?: { enabled?: boolean; results?: { first?: BufferSource } } }).prf;
  const first = r?.results?.first;
  if (!first) return undefined;
  return new Uint8Array(first instanceof ArrayBuffer ? first : (first as ArrayBufferView).buffer.slice(0));
}

/**
 * Create a passkey for this account and wrap the root key for it: create (asking for PRF),
 * then one `get` evaluating the PRF with a fresh salt. Puts `keys/passkey-…` (create-only).
 */
export async function addPasskey(storage: Storage, o: { account: string; repoId: string; rootKey: RootKey }): Promise<StoredPasskey> {
  const creds = webauthn();
  const created = (await asked(
    creds.create({
      publicKey: {
        challenge: challenge(),
        rp: { id: location.hostname, name: "chatvault backup" },
        user: { id: globalThis.crypto.getRandomValues(new Uint8Array(16)), name: o.account, displayName: `${o.account} (chat backup)` },
        pubKeyCredParams: [
          { type: "public-key", alg: -7 },
          { type: "public-key", alg: -257 },
        ],
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
        extensions: { prf: {} } as AuthenticationExtensionsClientInputs,
      },
    }),
  )) as PublicKeyCredential | null;
  if (!created) throw new UserFacingError(PASSKEY_CANCELLED);
  const enabled = (created.getClientExtensionResults() as { prf?: { enabled?: boolean } }).prf?.enabled;
  if (enabled === false || enabled === undefined) throw new PasskeyUnsupportedError(NO_PRF);
  const credentialId = new Uint8Array(created.rawId);
  const prfSalt = newPasskeyPrfSalt();
  const got = (await asked(
    creds.get({
      publicKey: {
        challenge: challenge(),
        rpId: location.hostname,
        userVerification: "required",
        allowCredentials: [{ type: "public-key", id: credentialId }],
        extensions: { prf: { eval: { first: prfSalt } } } as AuthenticationExtensionsClientInputs,
      },
    }),
  )) as PublicKeyCredential | null;
  const prfOutput = got ? prfFirst(got) : undefined;
  if (!prfOutput || prfOutput.length !== 32) throw new PasskeyUnsupportedError(NO_PRF);
  const wrap = await wrapRootKeyForPasskey({ rootKey: o.rootKey, prfOutput, prfSalt, repoId: o.repoId, credentialId });
  prfOutput.fill(0);
  const name = await passkeyObjectName(credentialId);
  await storage.put(name, encodePasskeyWrap(wrap));
  return { name, wrap, label: name.slice(PASSKEY_OBJECT_PREFIX.length, PASSKEY_OBJECT_PREFIX.length + 8) };
}

/** The largest key object there can be (spec §13.2: 98 + c bytes, c ≤ 255). */
const MAX_PASSKEY_OBJECT = 98 + 255;

/**
 * Every passkey that opens the backup. A damaged object (one that does not parse, or is
 * larger than any key object — judged by its listed size, before a download) opens
 * nothing and is skipped; the others still do. Storage errors are not damage: they pass.
 */
export async function listPasskeys(storage: Storage): Promise<StoredPasskey[]> {
  const names: string[] = [];
  for await (const o of storage.list(PASSKEY_OBJECT_PREFIX)) if (o.size <= MAX_PASSKEY_OBJECT) names.push(o.name);
  const out: StoredPasskey[] = [];
  for (const name of names.sort()) {
    const bytes = await storage.get(name);
    try {
      out.push({ name, wrap: decodePasskeyWrap(bytes, name), label: name.slice(PASSKEY_OBJECT_PREFIX.length, PASSKEY_OBJECT_PREFIX.length + 8) });
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
    }
  }
  return out;
}

/** Ask for one of the backup's passkeys and unwrap the root key with its PRF output. */
export async function unlockWithPasskey(storage: Storage, repoId: string): Promise<RootKey> {
  const creds = webauthn();
  const passkeys = await listPasskeys(storage);
  if (passkeys.length === 0) throw new UserFacingError("This backup has no passkey left that can open it.");
  const evalByCredential: Record<string, { first: Uint8Array }> = {};
  for (const p of passkeys) evalByCredential[toBase64Url(p.wrap.credentialId)] = { first: p.wrap.prfSalt };
  const got = (await asked(
    creds.get({
      publicKey: {
        challenge: challenge(),
        rpId: location.hostname,
        userVerification: "required",
        allowCredentials: passkeys.map((p) => ({ type: "public-key" as const, id: p.wrap.credentialId as BufferSource })),
        extensions: { prf: { evalByCredential } } as AuthenticationExtensionsClientInputs,
      },
    }),
  )) as PublicKeyCredential | null;
  if (!got) throw new UserFacingError(PASSKEY_CANCELLED);
  const used = new Uint8Array(got.rawId);
  const mine = passkeys.find((p) => equalBytes(p.wrap.credentialId, used));
  if (!mine) throw new UserFacingError("That passkey doesn't open this backup. Choose the passkey you set up for it.");
  const prfOutput = prfFirst(got);
  if (!prfOutput || prfOutput.length !== 32) throw new PasskeyUnsupportedError(NO_PRF_AT_RESTORE);
  try {
    return await unwrapRootKeyWithPasskey({ wrap: mine.wrap, prfOutput, repoId, objectName: mine.name });
  } finally {
    prfOutput.fill(0);
  }
}

/** Remove one passkey; never the last (the backup would be unreadable). */
export async function removePasskey(storage: Storage, name: string): Promise<void> {
  const all = await listPasskeys(storage);
  if (!all.some((p) => p.name === name)) return;
  if (all.length <= 1) throw new UserFacingError("This is the only passkey that opens your backup: add another one before removing it.");
  await storage.delete(name);
}
