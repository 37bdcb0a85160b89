/**
 * Server-side sealing of what the database stores (spec/vault-protocol.md §10.4):
 * vault records (OPAQUE registration record + wrapped root key) and OPAQUE server login
 * states, each AES-256-GCM under a subkey of the record key, bound by AAD to the account
 * (and version / login ID), so rows cannot be swapped between accounts.
 *
 *   AAD     = UTF-8(label) ‖ 0x00 ‖ for each field: u32be(len(UTF-8(field))) ‖ UTF-8(field)
 *   sealed  = nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { checkAccountId } from "@chatvault/vault-protocol";
import { SERVER_LABELS } from "../labels.ts";
import { poolRandomBytes } from "./random-pool.ts";
import type { RecordRow } from "../store/vault-store.ts";
import type { VaultSecrets } from "./vault-secrets.ts";

const inspect = Symbol.for("nodejs.util.inspect.custom");

/**
 * Fields are UTF-8 encoded; the first is always an account ID, which must be well-formed
 * (a lone surrogate would be encoded as U+FFFD and collide with another account; spec §2).
 */
export function encodeAad(label: string, fields: Array<string | number>): Buffer {
  checkAccountId(fields[0]);
  // One allocation, written in place, in plain loops (this runs several times per login,
  // mostly before V8 optimizes it: no per-call closures or arrays). Buffer's UTF-8 encoder
  // gives the same bytes as TextEncoder, lone surrogates included (both U+FFFD).
  const labelBytes = Buffer.byteLength(label, "utf8");
  let size = labelBytes + 1;
  for (let i = 0; i < fields.length; i++) size += 4 + Buffer.byteLength(String(fields[i]), "utf8");
  const out = Buffer.allocUnsafe(size);
  out.write(label, 0, "utf8");
  out[labelBytes] = 0;
  let at = labelBytes + 1;
  for (let i = 0; i < fields.length; i++) {
    // The buffer has exactly the room, so each field is written whole and `n` is its length.
    const n = out.write(String(fields[i]), at + 4, "utf8");
    out.writeUInt32BE(n, at);
    at += 4 + n;
  }
  return out;
}

/** base64url of bytes (no copy of them), "" for null: a field of the row MAC. */
const b64Field = (b: Uint8Array | null): string => (b === null ? "" : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url"));
/** A number as text, "" for null: a field of the row MAC. */
const numberField = (v: number | null): string => (v === null ? "" : String(v));

export function subkey(recordKey: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync("sha256", recordKey, new Uint8Array(0), label, 32));
}

/** What a sealed vault record holds. */
export interface RecordPayload {
  registrationRecord: string;
  wrappedRootKey: { nonce: string; ciphertext: string };
}

/** Opened records kept (one per account, see `openRecord`); the map starts over when full. */
const OPENED_RECORDS_KEPT = 10_000;

export class RecordCrypto {
  readonly #recordKey: Buffer;
  readonly #stateKey: Buffer;
  /** HMAC key of session tokens (see auth/session-token.ts). */
  readonly #sessionKey: Buffer;
  readonly #rowKey: Buffer;
  readonly #fakeLoginKey: Buffer;
  readonly #firstVersionKey: Buffer;
  readonly #opened = new Map<string, { version: number; sealed: Buffer; payload: RecordPayload }>();

  constructor(secrets: VaultSecrets) {
    const rk = secrets.unsafeRecordKey();
    this.#recordKey = subkey(rk, SERVER_LABELS.recordAtRest);
    this.#stateKey = subkey(rk, SERVER_LABELS.loginState);
    this.#sessionKey = subkey(rk, SERVER_LABELS.sessionToken);
    this.#rowKey = subkey(rk, SERVER_LABELS.recordState);
    this.#fakeLoginKey = subkey(rk, SERVER_LABELS.fakeLogin);
    this.#firstVersionKey = subkey(rk, SERVER_LABELS.firstVersion);
  }

  /**
   * MAC of a record row's whole policy state together with its sealed record (spec §10.4):
   * HMAC-SHA256(k_state, AAD(label, fields)) over account, record ID, state, version, sealed
   * record, KSF, counters, lock, creation and destruction times, head key. Null → "".
   */
  rowMac(r: RecordRow): Buffer {
    const fields = [
      r.accountId,
      r.recordId ?? "",
      r.state,
      r.version,
      b64Field(r.sealedRecord),
      r.keyStretching ?? "",
      r.consecutiveFailures,
      r.totalFailures,
      r.lockouts,
      numberField(r.lockedUntil),
      numberField(r.lastLoginExpiresAt),
      r.createdAt,
      numberField(r.destroyedAt),
      b64Field(r.headKey),
    ];
    return createHmac("sha256", this.#rowKey).update(encodeAad(SERVER_LABELS.recordState, fields)).digest();
  }

  rowMacValid(r: RecordRow): boolean {
    if (r.stateMac === null || r.stateMac.length !== 32) return false;
    return timingSafeEqual(Buffer.from(r.stateMac), this.rowMac(r));
  }

  /**
   * The version an account's first record gets (spec §5.1): a keyed function of the
   * account ID in [1, 2^31], so registration start answers the same kind of number for
   * an account with no record as for one with a record (no "1 means new").
   */
  firstRecordVersion(accountId: string): number {
    const h = createHmac("sha256", this.#firstVersionKey)
      .update(encodeAad(SERVER_LABELS.firstVersion, [accountId]))
      .digest();
    return (h.readUInt32BE(0) & 0x7fffffff) + 1;
  }

  /**
   * Login ID for an unknown account (spec §5.4): one AES-256 block of u64be(expiresAt) ‖
   * 8 bytes of HMAC(account), so it looks like any random login ID, yet a finish can tell,
   * without any stored state, that this vault issued it for this account and until when.
   */
  fakeLoginId(accountId: string, expiresAt: number): string {
    const block = Buffer.alloc(16);
    block.writeBigUInt64BE(BigInt(expiresAt), 0);
    this.#fakeTag(accountId).copy(block, 8);
    const c = createCipheriv("aes-256-ecb", this.#fakeLoginKey, null).setAutoPadding(false);
    return Buffer.concat([c.update(block), c.final()]).toString("base64url");
  }

  /** The expiry of a login ID made by `fakeLoginId` for this account, or null. */
  openFakeLoginId(accountId: string, loginId: string): number | null {
    const ct = Buffer.from(loginId, "base64url");
    if (ct.length !== 16) return null;
    const d = createDecipheriv("aes-256-ecb", this.#fakeLoginKey, null).setAutoPadding(false);
    const block = Buffer.concat([d.update(ct), d.final()]);
    if (!timingSafeEqual(block.subarray(8), this.#fakeTag(accountId))) return null;
    return Number(block.readBigUInt64BE(0));
  }

  #fakeTag(accountId: string): Buffer {
    return createHmac("sha256", this.#fakeLoginKey)
      .update(encodeAad(SERVER_LABELS.fakeLogin, [accountId]))
      .digest()
      .subarray(0, 8);
  }

  sealRecord(accountId: string, version: number, payload: RecordPayload): Uint8Array {
    return seal(this.#recordKey, Buffer.from(JSON.stringify(payload)), encodeAad(SERVER_LABELS.recordAtRest, [accountId, version]));
  }

  /** Returns null when the sealed record does not authenticate (tampered, or from another account/version). */
  /**
   * The record opened (AES-GCM under the account and version, spec §10.4), or null when it
   * does not open. A login opens the same sealed record at its start and at its finish, and
   * the next login again: the payload of the last record opened for each account is kept
   * with the exact sealed bytes and version it came from, and only that same input returns
   * it without decrypting (the same key, AAD and ciphertext always open to the same bytes;
   * any other input is opened in full). It holds nothing the process could not open anyway.
   */
  openRecord(accountId: string, version: number, sealed: Uint8Array): RecordPayload | null {
    const known = this.#opened.get(accountId);
    if (known && known.version === version && known.sealed.equals(sealed)) return known.payload;
    const pt = open(this.#recordKey, sealed, encodeAad(SERVER_LABELS.recordAtRest, [accountId, version]));
    if (!pt) return null;
    const p = JSON.parse(pt.toString("utf8")) as RecordPayload;
    // Frozen: every caller shares it.
    const payload: RecordPayload = Object.freeze({ registrationRecord: p.registrationRecord, wrappedRootKey: Object.freeze({ ...p.wrappedRootKey }) });
    if (this.#opened.size >= OPENED_RECORDS_KEPT) this.#opened.clear();
    this.#opened.set(accountId, { version, sealed: Buffer.from(sealed), payload });
    return payload;
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
  const nonce = poolRandomBytes(12); // a fresh 96-bit CSPRNG nonce per seal (random-pool.ts)
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
