/**
 * Message shapes of the realm protocol (spec/threshold-vault.md §5). Binary fields travel
 * as unpadded base64url strings of the exact length given in `REALM_FIELD_BYTES`; integers
 * are JSON safe integers; times are milliseconds since the epoch (realm clock).
 */

export const REALM_PATHS = {
  info: "/realm/v1/info",
  record: "/realm/v1/record",
  register: "/realm/v1/register",
  evaluate: "/realm/v1/recover/evaluate",
  unlock: "/realm/v1/recover/unlock",
  /** §5.3.1 (chatvault-realm/3): the record view and, for the named current registration, a counted evaluation. */
  start: "/realm/v1/recover/start",
  proof: "/realm/v1/recover/proof",
  admin: "/realm/v1/admin",
  head: "/realm/v1/head",
} as const;

/** Byte length of every fixed-size binary field (§5.1). */
export const REALM_FIELD_BYTES = {
  realmId: 16,
  registrationId: 16,
  salt: 32,
  oprfKeyShare: 32,
  oprfPublicShare: 32,
  unlockTag: 32,
  unlockCheck: 32,
  wrapShare: 32,
  shareTag: 32,
  wrappedRootKey: 60,
  headPublicKey: 32,
  adminPublicKey: 32,
  blinded: 32,
  evaluated: 32,
  proof: 64,
  attemptId: 16,
  signature: 64,
} as const;
export type RealmField = keyof typeof REALM_FIELD_BYTES;

/** Argon2id parameters as a realm stores them (§3.1). */
export interface RealmKsf {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** Public part of a registration (answered by `GET /realm/v1/record`, §5.3). */
export interface RegistrationInfo {
  version: number;
  registrationId: string;
  shareIndex: number;
  threshold: number;
  realmCount: number;
  salt: string;
  ksf: RealmKsf;
  oprfPublicShare: string;
  headPublicKey: string;
  adminPublicKey: string;
}

/** What realm `shareIndex` receives (§4). Secret fields: oprfKeyShare, unlockTag, wrapShare, shareTag. */
export interface Registration extends RegistrationInfo {
  realmId: string;
  oprfKeyShare: string;
  unlockTag: string;
  unlockCheck: string;
  wrapShare: string;
  shareTag: string;
  wrappedRootKey: string;
}

export interface RealmPolicy {
  maxAttempts: number;
  lockBaseMs: number;
  lockFactor: number;
  lockCapMs: number;
  failureBudget: number;
}

/**
 * `protocol` of `GET /realm/v1/info`. A v3 realm still answers this name (a v2 client checks it
 * and ignores unknown fields), and lists what it speaks in `versions` (§2.2).
 */
export const REALM_PROTOCOL_NAME = "chatvault-realm/2";
/** Listed in `/info`'s `versions` by a realm that serves `recover/start` (§5.3.1). */
export const REALM_PROTOCOL_V3 = "chatvault-realm/3";

export type RealmRecordState = "none" | "active" | "destroyed";

export interface RealmInfoResponse {
  protocol: "chatvault-realm/2";
  realmId: string;
  /** Every protocol version the realm speaks (v3 realms; absent at v2 realms, read as ["chatvault-realm/2"]). */
  versions?: string[];
}

export interface RealmRecordResponse {
  state: RealmRecordState;
  current: RegistrationInfo | null;
  next: RegistrationInfo | null;
  attemptsRemaining: number;
  lockedUntil: number | null;
  policy: RealmPolicy;
}

export interface RegisterRequest {
  registration: Registration;
}
export interface RegistrationRef {
  version: number;
  registrationId: string;
}
export interface RegisterResponse extends RegistrationRef {
  state: "active";
}

export interface EvaluateRequest extends RegistrationRef {
  blinded: string;
}
/** Phase 2 answer (§5.4): the bare evaluation k_i·blinded; its proof only on request (§5.4.1). */
export interface EvaluateResponse {
  attemptId: string;
  evaluated: string;
  unlockCheck: string;
  attemptsRemaining: number;
  lockedUntil: number | null;
}

/** §5.3.1 (chatvault-realm/3): phase 1 at a realm, with the phase-2 evaluation of the registration the client guesses. */
export interface StartRequest extends RegistrationRef {
  blinded: string;
}
/**
 * `record` is what `GET /record` would have answered before this request; `evaluation` is set only
 * when the named registration was the realm's current one, no next was held and the policy let the
 * attempt start (it was then counted before this answer, as by `evaluate`).
 */
export interface StartResponse {
  record: RealmRecordResponse;
  evaluation: EvaluateResponse | null;
}

/** §5.4.1: the DLEQ proof of the attempt's evaluation, asked only when no t-subset was accepted. */
export interface ProofRequest {
  attemptId: string;
}
export interface ProofResponse {
  proof: string;
}

export interface UnlockRequest {
  attemptId: string;
  unlockTag: string;
}
export interface UnlockResponse {
  wrapShare: string;
  shareTag: string;
  wrappedRootKey: string;
}

export type AdminOp = "prepare" | "commit" | "abort" | "repair" | "delete";
export const ADMIN_OPS: readonly AdminOp[] = ["prepare", "commit", "abort", "repair", "delete"];

export interface AdminRequest {
  op: AdminOp;
  target: RegistrationRef;
  registration?: Registration;
  issuedAt: number;
  signature: string;
}
export interface AdminResponse {
  op: AdminOp;
  current: RegistrationRef | null;
  next: RegistrationRef | null;
}

/** Head at a realm; `{0, null, null}` when none (§5.7). */
export interface RealmHead {
  sequence: number;
  digest: string | null;
  signature: string | null;
}

/** Error body of every non-2xx answer (§5.8). */
export interface RealmErrorBody {
  error: {
    code: string;
    message: string;
    attemptsRemaining?: number;
    retryAfter?: number;
    current?: RealmHead;
  };
}

/** Stable realm error codes and their HTTP status (§5.8). */
export const REALM_ERROR_STATUS = {
  bad_request: 400,
  wrong_realm: 400,
  unauthorized: 401,
  unlock_failed: 403,
  admin_signature_invalid: 403,
  head_signature_invalid: 403,
  not_found: 404,
  not_enabled: 404,
  already_enabled: 409,
  version_mismatch: 409,
  attempt_expired: 409,
  admin_stale: 409,
  head_conflict: 409,
  destroyed: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked: 423,
  rate_limited: 429,
  state_invalid: 500,
  internal: 500,
  unavailable: 503,
} as const;
export type RealmErrorCode = keyof typeof REALM_ERROR_STATUS;
export function isRealmErrorCode(x: unknown): x is RealmErrorCode {
  return typeof x === "string" && Object.prototype.hasOwnProperty.call(REALM_ERROR_STATUS, x);
}
