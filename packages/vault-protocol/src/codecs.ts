/**
 * Field formats shared by client and server (spec/vault-protocol.md §4.1) and strict
 * parsers for the server's answers: a client never trusts a response's shape.
 */
import { fromBase64Url } from "@chatvault/format";
import { keyStretchingProblem } from "./key-stretching.ts";
import { VaultProtocolError } from "./errors.ts";
import { parseAttemptHistory } from "./attempt-history.ts";
import type {
  AttemptSummary,
  BackupHead,
  HeadKeyRegisteredResponse,
  KeyStretching,
  LoginFinishResponse,
  LoginStartResponse,
  RecordDeletedResponse,
  RecordWrittenResponse,
  RegistrationStartResponse,
  StatusResponse,
  WrappedRootKey,
} from "./wire.ts";

/** Unpadded base64url length of `n` bytes. */
export function base64UrlLength(n: number): number {
  return Math.ceil((n * 4) / 3);
}

/** Byte lengths of every fixed-size field (RFC 9807 with ristretto255 / SHA-512). */
export const FIELD_BYTES = {
  registrationRequest: 32,
  registrationResponse: 64,
  registrationRecord: 192,
  startLoginRequest: 96,
  loginResponse: 320,
  finishLoginRequest: 64,
  serverPublicKey: 32,
  wrapNonce: 12,
  wrapCiphertext: 48,
  loginId: 16,
  headPublicKey: 32,
  headSignature: 64,
} as const;
export type FixedField = keyof typeof FIELD_BYTES;

/** Regular expression source for an unpadded base64url field of `bytes` bytes. */
export function base64UrlPattern(bytes: number): string {
  return `^[A-Za-z0-9_-]{${base64UrlLength(bytes)}}$`;
}

/** Head digests: 16 to 64 bytes (e.g. a SHA-256 or BLAKE3 of the snapshot manifest). */
export const DIGEST_BYTES = { min: 16, max: 64 } as const;
export const DIGEST_PATTERN = `^[A-Za-z0-9_-]{${base64UrlLength(DIGEST_BYTES.min)},${base64UrlLength(DIGEST_BYTES.max)}}$`;
/** Session tokens are opaque to the client; this bounds them. */
export const SESSION_TOKEN_PATTERN = "^[A-Za-z0-9_.-]{16,512}$";
export { ACCOUNT_ID_MAX_LENGTH, accountIdProblem, checkAccountId, isValidAccountId } from "./account-id.ts";

/**
 * The one digest rule of client and vault (spec §7): unpadded canonical base64url of
 * 16–64 whole bytes. Returns the bytes, or null when `s` breaks the rule.
 */
export function decodeDigest(s: unknown): Uint8Array | null {
  if (typeof s !== "string" || !new RegExp(DIGEST_PATTERN).test(s)) return null;
  let b: Uint8Array;
  try {
    b = fromBase64Url(s); // rejects lengths ≡ 1 (mod 4) and non-canonical trailing bits
  } catch {
    return null;
  }
  return b.length >= DIGEST_BYTES.min && b.length <= DIGEST_BYTES.max ? b : null;
}

type Obj = Record<string, unknown>;
const fail = (what: string): never => {
  throw new VaultProtocolError(`malformed vault response: ${what}`);
};
function obj(x: unknown, what: string): Obj {
  return x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Obj) : fail(`${what} is not an object`);
}
function b64(o: Obj, f: string, field?: FixedField): string {
  const v = o[f];
  if (typeof v !== "string" || !new RegExp(field ? base64UrlPattern(FIELD_BYTES[field]) : "^[A-Za-z0-9_-]*$").test(v)) fail(f);
  return v as string;
}
function int(o: Obj, f: string, nullable = false): number {
  const v = o[f];
  if (nullable && v === null) return v as unknown as number;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(f);
  return v as number;
}
function intOrNull(o: Obj, f: string): number | null {
  return int(o, f, true) as number | null;
}
function ksf(x: unknown, f: string): KeyStretching {
  if (keyStretchingProblem(x) !== null) fail(f);
  const k = x as KeyStretching;
  return { algorithm: "argon2id", memoryKiB: k.memoryKiB, iterations: k.iterations, parallelism: k.parallelism };
}
function wrapped(x: unknown): WrappedRootKey {
  const o = obj(x, "wrappedRootKey");
  return { nonce: b64(o, "nonce", "wrapNonce"), ciphertext: b64(o, "ciphertext", "wrapCiphertext") };
}
function bool(o: Obj, f: string): boolean {
  const v = o[f];
  if (typeof v !== "boolean") fail(f);
  return v as boolean;
}
function token(o: Obj, f: string): string {
  const v = o[f];
  if (typeof v !== "string" || !new RegExp(SESSION_TOKEN_PATTERN).test(v)) fail(f);
  return v as string;
}

export function parseRegistrationStartResponse(x: unknown): RegistrationStartResponse {
  const o = obj(x, "body");
  return {
    registrationResponse: b64(o, "registrationResponse", "registrationResponse"),
    recordVersion: int(o, "recordVersion"),
    serverPublicKey: b64(o, "serverPublicKey", "serverPublicKey"),
  };
}

export function parseRecordWrittenResponse(x: unknown): RecordWrittenResponse {
  const o = obj(x, "body");
  if (o.state !== "enabled") fail("state");
  return { state: "enabled", recordVersion: int(o, "recordVersion") };
}

export function parseRecordDeletedResponse(x: unknown): RecordDeletedResponse {
  const o = obj(x, "body");
  if (o.state !== "not_enabled") fail("state");
  return { state: "not_enabled" };
}

export function parseLoginStartResponse(x: unknown): LoginStartResponse {
  const o = obj(x, "body");
  return {
    loginId: b64(o, "loginId", "loginId"),
    loginResponse: b64(o, "loginResponse", "loginResponse"),
    keyStretching: ksf(o.keyStretching, "keyStretching"),
    attemptsRemaining: int(o, "attemptsRemaining"),
    failureBudgetRemaining: int(o, "failureBudgetRemaining"),
    lockedUntil: intOrNull(o, "lockedUntil"),
    expiresAt: int(o, "expiresAt"),
  };
}

export function parseLoginFinishResponse(x: unknown): LoginFinishResponse {
  const o = obj(x, "body");
  return {
    sessionToken: token(o, "sessionToken"),
    sessionExpiresAt: int(o, "sessionExpiresAt"),
    recordVersion: int(o, "recordVersion"),
    wrappedRootKey: wrapped(o.wrappedRootKey),
    // Absent from vaults older than head proofs (§7.1): then the client registers nothing.
    ...(o.headKeyRegistered === undefined ? {} : { headKeyRegistered: bool(o, "headKeyRegistered") }),
    // Absent from vaults older than revision 3 (§5.7).
    ...(o.attemptHistory === undefined ? {} : { attemptHistory: parseAttemptHistory(o.attemptHistory) }),
  };
}

export function parseHeadKeyRegisteredResponse(x: unknown): HeadKeyRegisteredResponse {
  const o = obj(x, "body");
  if (o.headKeyRegistered !== true) fail("headKeyRegistered");
  return { headKeyRegistered: true };
}

export function parseStatusResponse(x: unknown): StatusResponse {
  const o = obj(x, "body");
  const state = o.state;
  if (state !== "enabled" && state !== "not_enabled" && state !== "destroyed") fail("state");
  if (!Array.isArray(o.recentAttempts)) fail("recentAttempts");
  const recentAttempts: AttemptSummary[] = (o.recentAttempts as unknown[]).map((a) => {
    const ao = obj(a, "attempt");
    const outcome = ao.outcome;
    if (outcome !== "pending" && outcome !== "success" && outcome !== "unfinished" && outcome !== "failed") fail("outcome");
    return { at: int(ao, "at"), outcome: outcome as AttemptSummary["outcome"] };
  });
  const policy = obj(o.policy, "policy");
  return {
    state: state as StatusResponse["state"],
    recordVersion: intOrNull(o, "recordVersion"),
    keyStretching: o.keyStretching === null ? null : ksf(o.keyStretching, "keyStretching"),
    attemptsRemaining: int(o, "attemptsRemaining"),
    failureBudgetRemaining: int(o, "failureBudgetRemaining"),
    lockedUntil: intOrNull(o, "lockedUntil"),
    destroyedAt: intOrNull(o, "destroyedAt"),
    recentAttempts,
    policy: { maxAttempts: int(policy, "maxAttempts"), failureBudget: int(policy, "failureBudget") },
    ...(o.attemptHistory === undefined ? {} : { attemptHistory: parseAttemptHistory(o.attemptHistory) }),
  };
}

export function parseBackupHead(x: unknown): BackupHead {
  const o = obj(x, "body");
  const sequence = int(o, "sequence");
  const digest = o.digest;
  if (digest !== null && decodeDigest(digest) === null) fail("digest");
  if ((sequence === 0) !== (digest === null)) fail("sequence");
  // `signature` is absent from vaults older than head proofs (§7.1): an unsigned head.
  const signature = o.signature ?? null;
  if (signature !== null && (typeof signature !== "string" || !new RegExp(base64UrlPattern(FIELD_BYTES.headSignature)).test(signature))) fail("signature");
  return { sequence, digest: digest as string | null, updatedAt: intOrNull(o, "updatedAt"), signature: signature as string | null };
}
