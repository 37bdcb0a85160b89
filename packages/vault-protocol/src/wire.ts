/**
 * Wire types of the vault protocol, version 1 (spec/vault-protocol.md §4 "Messages").
 * Every body is JSON; byte strings are unpadded base64url; times are integer
 * milliseconds since the Unix epoch in the *server's* clock.
 */

import type { AttemptHistory } from "./attempt-history.ts";

/** Protocol version; the `/v1/` path prefix carries it. */
export const VAULT_PROTOCOL_VERSION = 1;

/** Endpoint paths (spec §4). All but `/healthz` and `/metrics` need `Authorization: Bearer <account token>`. */
export const VAULT_PATHS = {
  registrationStart: "/v1/registration/start",
  registrationFinish: "/v1/registration/finish",
  loginStart: "/v1/login/start",
  loginFinish: "/v1/login/finish",
  recordReplace: "/v1/record/replace",
  recordDelete: "/v1/record/delete",
  status: "/v1/status",
  head: "/v1/head",
  headKey: "/v1/head/key",
  healthz: "/healthz",
  metrics: "/metrics",
  testClock: "/_test/clock",
} as const;

/** Argon2id parameters of OPAQUE's key-stretching function (spec §3.2). */
export interface KeyStretching {
  algorithm: "argon2id";
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** The root key sealed under the wrapping key (spec §3.3): AES-256-GCM, 12-byte nonce, 48-byte ciphertext+tag. */
export interface WrappedRootKey {
  nonce: string;
  ciphertext: string;
}

export interface RegistrationStartRequest {
  registrationRequest: string;
}
export interface RegistrationStartResponse {
  registrationResponse: string;
  /** The version the new record will have; part of the wrapping AAD. */
  recordVersion: number;
  /** The vault's OPAQUE public key (ristretto255), for clients that pin it. */
  serverPublicKey: string;
}

export interface RegistrationFinishRequest {
  registrationRecord: string;
  wrappedRootKey: WrappedRootKey;
  recordVersion: number;
  keyStretching: KeyStretching;
  /** Ed25519 public key that will sign this record's heads (spec §7.1); optional for older clients. */
  headPublicKey?: string;
}
export interface RecordWrittenResponse {
  state: "enabled";
  recordVersion: number;
}

export interface RecordReplaceRequest extends RegistrationFinishRequest {
  sessionToken: string;
}
export interface RecordDeleteRequest {
  sessionToken: string;
}
export interface RecordDeletedResponse {
  state: "not_enabled";
}

export interface LoginStartRequest {
  startLoginRequest: string;
}
/** KE2 plus the policy state after this attempt was counted (spec §5). Unknown accounts get the same shape. */
export interface LoginStartResponse {
  loginId: string;
  loginResponse: string;
  keyStretching: KeyStretching;
  /** Attempts left after this one (0 means this was the last before a lock or destruction). */
  attemptsRemaining: number;
  /** Failures left in the record's lifetime budget after this one. */
  failureBudgetRemaining: number;
  /** Set when this attempt started a lock: the time the next attempt is allowed. */
  lockedUntil: number | null;
  /** The login must be finished before this time. */
  expiresAt: number;
}

export interface LoginFinishRequest {
  loginId: string;
  finishLoginRequest: string;
}
export interface LoginFinishResponse {
  /** Short-lived proof of this successful login, for replace and delete (spec §6). */
  sessionToken: string;
  sessionExpiresAt: number;
  recordVersion: number;
  wrappedRootKey: WrappedRootKey;
  /** False when the record has no head key yet (written before head proofs): the client registers it (§7.1). */
  headKeyRegistered?: boolean;
  /**
   * The record's attempt history without this login (spec §5.7), so its last success is
   * the one before this unlock. Absent from vaults older than revision 3.
   */
  attemptHistory?: AttemptHistory;
}

/** Register the head key of a record that has none (spec §7.1). */
export interface HeadKeyRegisterRequest {
  sessionToken: string;
  headPublicKey: string;
}
export interface HeadKeyRegisteredResponse {
  headKeyRegistered: true;
}

export type RecordState = "enabled" | "not_enabled" | "destroyed";
/** `unfinished`: a KE2 was released and no valid KE3 came back (wrong password or abandoned: the vault cannot tell). */
export type AttemptOutcome = "pending" | "success" | "unfinished" | "failed";

export interface AttemptSummary {
  at: number;
  outcome: AttemptOutcome;
}

export interface StatusResponse {
  state: RecordState;
  recordVersion: number | null;
  keyStretching: KeyStretching | null;
  attemptsRemaining: number;
  failureBudgetRemaining: number;
  lockedUntil: number | null;
  destroyedAt: number | null;
  recentAttempts: AttemptSummary[];
  policy: { maxAttempts: number; failureBudget: number };
  /** Attempt history (spec §5.7); absent from vaults older than revision 3. */
  attemptHistory?: AttemptHistory;
}

/** The latest-backup marker (spec §7). `sequence` 0 with `digest` null means "no backup yet". */
export interface BackupHead {
  sequence: number;
  digest: string | null;
  updatedAt: number | null;
  /** Ed25519 head signature (spec §7.1); null for an unsigned head, which a client does not trust. */
  signature: string | null;
}
export interface HeadAdvanceRequest {
  sequence: number;
  digest: string;
  /** REQUIRED once the record has a head key (spec §7.1). */
  signature?: string;
}

export interface TestClockRequest {
  advanceMs: number;
}
export interface TestClockResponse {
  now: number;
  offsetMs: number;
}

/** Every non-2xx answer (spec §8). Fields beyond code/message appear only where they apply. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    attemptsRemaining?: number;
    retryAfter?: number;
    current?: BackupHead;
  };
}
