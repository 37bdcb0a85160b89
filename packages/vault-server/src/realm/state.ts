/**
 * Binding and sealing of a realm account's state (spec/threshold-vault.md, "Realm state
 * at rest"). Two subkeys of the vault's record key:
 *
 *   registration key = HKDF(recordKey, "", SERVER_LABELS.realmRegistrationAtRest)
 *     seals each registration's secret part (k_i, unlockTag_i, unlockCheck, z_i, shareTag_i, E):
 *     AES-256-GCM, AAD = encodeAad(label, [accountId, registrationId, version]).
 *   state MAC key    = HKDF(recordKey, "", SERVER_LABELS.realmStateMac)
 *     mac = HMAC(key, label ‖ 0x00 ‖ JSON([every column but mac, in ACCOUNT_COLUMNS order])),
 *     bytes as base64url; checked on every read, written on every change.
 *
 * So a database writer without the key file (or HSM) cannot reset counters, lift a lock,
 * clear a tombstone or put back an older registration column by column: the row no
 * longer authenticates and is refused (never reset). Replaying a whole old row is not
 * caught here; SECURITY.md "Realm" says what it gains and why the threshold bounds it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { ChatvaultError } from "@chatvault/format";
import { SERVER_LABELS } from "../labels.ts";
import { encodeAad, open, seal, subkey } from "../sealing/record-crypto.ts";
import type { VaultSecrets } from "../sealing/vault-secrets.ts";
import type { RealmAccountRow, RealmAttemptOutcome, RealmAttemptRow } from "./store.ts";
import type { Registration, RegistrationInfo } from "@chatvault/vault-protocol/threshold";

const inspect = Symbol.for("nodejs.util.inspect.custom");
const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("base64url"));

/** The secret part, sealed at rest; released only as the protocol says (phase 2 / phase 3). */
export interface RegistrationSecret {
  oprfKeyShare: string;
  unlockTag: string;
  unlockCheck: string;
  wrapShare: string;
  shareTag: string;
  wrappedRootKey: string;
}

// The wire shapes are the protocol's (spec/threshold-vault.md §4, §5.3), defined once in the client package.
export type { Registration, RegistrationInfo };

/** A row whose MAC does not verify, or whose sealed part does not open: refused, never reset. */
export class RealmStateError extends ChatvaultError {
  constructor(message: string) {
    super("realm_state_invalid", message, { retryable: false });
  }
}

export function splitRegistration(r: Registration): { info: RegistrationInfo; secret: RegistrationSecret } {
  const info: RegistrationInfo = {
    version: r.version,
    registrationId: r.registrationId,
    shareIndex: r.shareIndex,
    threshold: r.threshold,
    realmCount: r.realmCount,
    salt: r.salt,
    ksf: { memoryKiB: r.ksf.memoryKiB, iterations: r.ksf.iterations, parallelism: r.ksf.parallelism },
    oprfPublicShare: r.oprfPublicShare,
    headPublicKey: r.headPublicKey,
    adminPublicKey: r.adminPublicKey,
  };
  const secret: RegistrationSecret = {
    oprfKeyShare: r.oprfKeyShare,
    unlockTag: r.unlockTag,
    unlockCheck: r.unlockCheck,
    wrapShare: r.wrapShare,
    shareTag: r.shareTag,
    wrappedRootKey: r.wrappedRootKey,
  };
  return { info, secret };
}

export class RealmStateCodec {
  readonly #registrationKey: Buffer;
  readonly #macKey: Buffer;
  readonly #attemptKey: Buffer;

  constructor(secrets: VaultSecrets) {
    const rk = secrets.unsafeRecordKey();
    this.#registrationKey = subkey(rk, SERVER_LABELS.realmRegistrationAtRest);
    this.#macKey = subkey(rk, SERVER_LABELS.realmStateMac);
    this.#attemptKey = subkey(rk, SERVER_LABELS.realmAttemptMac);
  }

  sealSecret(accountId: string, info: RegistrationInfo, secret: RegistrationSecret): Uint8Array {
    return seal(this.#registrationKey, Buffer.from(JSON.stringify(secret)), this.#aad(accountId, info));
  }

  /** Throws RealmStateError when the sealed part does not open for this account, registration and version. */
  openSecret(accountId: string, info: RegistrationInfo, sealed: Uint8Array): RegistrationSecret {
    const pt = open(this.#registrationKey, sealed, this.#aad(accountId, info));
    if (!pt) throw new RealmStateError("a realm registration does not open under the registration key");
    return JSON.parse(pt.toString("utf8")) as RegistrationSecret;
  }

  /** The row with its MAC recomputed. */
  bind(row: Omit<RealmAccountRow, "mac">): RealmAccountRow {
    return { ...row, mac: this.#accountMac(row) };
  }

  /** Throws RealmStateError unless the row's MAC verifies (spec: checked on every read). */
  verify(row: RealmAccountRow): RealmAccountRow {
    const expected = this.#accountMac(row);
    if (row.mac.length !== expected.length || !timingSafeEqual(row.mac, expected)) {
      throw new RealmStateError("a realm account's state does not authenticate under the state key");
    }
    return row;
  }

  attemptMac(a: Omit<RealmAttemptRow, "mac">, outcome: RealmAttemptOutcome = a.outcome): Uint8Array {
    // The blinded element is authenticated too (a database writer cannot get a proof for another element);
    // rows from before it existed (null) keep their original field list, so they still verify.
    const fields = [a.attemptId, a.accountId, a.version, a.registrationId, a.startedAt, a.expiresAt, outcome, ...(a.blinded === null ? [] : [a.blinded])];
    return hmac(this.#attemptKey, SERVER_LABELS.realmAttemptMac, fields);
  }

  verifyAttempt(a: RealmAttemptRow): RealmAttemptRow {
    const expected = this.attemptMac(a);
    if (a.mac.length !== expected.length || !timingSafeEqual(a.mac, expected)) {
      throw new RealmStateError("a realm attempt does not authenticate under the attempt key");
    }
    return a;
  }

  #aad(accountId: string, info: RegistrationInfo): Buffer {
    return encodeAad(SERVER_LABELS.realmRegistrationAtRest, [accountId, info.registrationId, info.version]);
  }

  #accountMac(r: Omit<RealmAccountRow, "mac">): Buffer {
    const fields = [
      r.accountId,
      r.state,
      r.currentInfo,
      b64(r.currentSealed),
      r.nextInfo,
      b64(r.nextSealed),
      r.consecutiveFailures,
      r.totalFailures,
      r.lockouts,
      r.lockedUntil,
      r.lastAttemptExpiresAt,
      r.lastAdminIssuedAt,
      r.headSequence,
      r.headDigest,
      r.headSignature,
      r.createdAt,
      r.updatedAt,
      r.destroyedAt,
    ];
    return hmac(this.#macKey, SERVER_LABELS.realmStateMac, fields);
  }

  toString(): string {
    return "[redacted]";
  }
  [inspect](): string {
    return "RealmStateCodec [redacted]";
  }
}

function hmac(key: Buffer, label: string, fields: Array<string | number | null>): Buffer {
  return createHmac("sha256", key).update(label).update(Buffer.of(0)).update(JSON.stringify(fields)).digest();
}
