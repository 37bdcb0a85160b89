/**
 * Server-side sealing of what the database stores (spec/vault-protocol.md §10.4):
 * vault records (OPAQUE registration record + wrapped root key) and OPAQUE server login
 * states, each AES-256-GCM under a subkey of the record key, bound by AAD to the account
 * (and version / login ID), so rows cannot be swapped between accounts.
 *
 *   AAD     = UTF-8(label) ‖ 0x00 ‖ for each field: u32be(len(UTF-8(field))) ‖ UTF-8(field)
 *   sealed  = nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { SERVER_LABELS } from "../labels.ts";
import type { VaultSecrets } from "./vault-secrets.ts";

const enc = new TextEncoder();
const inspect = Symbol.for("nodejs.util.inspect.custom");

export function encodeAad(label: string, fields: Array<string | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(enc.encode(label)), Buffer.of(0)];
  for (const f of fields) {
    const b = Buffer.from(enc.encode(String(f)));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

export function subkey(recordKey: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync("sha256", recordKey, new Uint8Array(0), label, 32));
}

/** What a sealed vault record holds. */
export interface RecordPayload {
  registrationRecord: string;
  wrappedRootKey: { nonce: string; ciphertext: string };
}

export class RecordCrypto {
  readonly #recordKey: Buffer;
  readonly #stateKey: Buffer;
  /** HMAC key of session tokens (see auth/session-token.ts). */
  readonly #sessionKey: Buffer;

  constructor(secrets: VaultSecrets) {
    const rk = secrets.unsafeRecordKey();
    this.#recordKey = subkey(rk, SERVER_LABELS.recordAtRest);
    this.#stateKey = subkey(rk, SERVER_LABELS.loginState);
    this.#sessionKey = subkey(rk, SERVER_LABELS.sessionToken);
  }

  sealRecord(accountId: string, version: number, payload: RecordPayload): Uint8Array {
    return seal(this.#recordKey, Buffer.from(JSON.stringify(payload)), encodeAad(SERVER_LABELS.recordAtRest, [accountId, version]));
  }

  /** Returns null when the sealed record does not authenticate (tampered, or from another account/version). */
  openRecord(accountId: string, version: number, sealed: Uint8Array): RecordPayload | null {
    const pt = open(this.#recordKey, sealed, encodeAad(SERVER_LABELS.recordAtRest, [accountId, version]));
    return pt ? (JSON.parse(pt.toString("utf8")) as RecordPayload) : null;
  }

  sealLoginState(accountId: string, loginId: string, version: number, serverLoginState: string): Uint8Array {
    return seal(this.#stateKey, Buffer.from(serverLoginState, "utf8"), encodeAad(SERVER_LABELS.loginState, [accountId, loginId, version]));
  }

  openLoginState(accountId: string, loginId: string, version: number, sealed: Uint8Array): string | null {
    const pt = open(this.#stateKey, sealed, encodeAad(SERVER_LABELS.loginState, [accountId, loginId, version]));
    return pt ? pt.toString("utf8") : null;
  }

  /** @internal for auth/session-token.ts */
  unsafeSessionTokenKey(): Buffer {
    return this.#sessionKey;
  }

  toString(): string {
    return "[redacted]";
  }
  [inspect](): string {
    return "RecordCrypto [redacted]";
  }
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Uint8Array {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  return new Uint8Array(Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]));
}

export function open(key: Buffer, sealed: Uint8Array, aad: Buffer): Buffer | null {
  if (sealed.length < 28) return null;
  const d = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
  } catch {
    return null;
  }
}
