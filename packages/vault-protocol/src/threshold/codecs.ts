/**
 * Strict parsers of every realm answer (spec/threshold-vault.md §5) and the field codecs
 * both sides share. Untrusted input → typed value or `RealmProtocolError`; never a crash,
 * never a partially checked value. Binary fields must be canonical unpadded base64url of
 * the exact length (re-encoding gives the same string).
 */
import { fromBase64Url } from "@chatvault/format";
import { DIGEST_BYTES } from "../codecs.ts";
import { keyStretchingProblem } from "../key-stretching.ts";
import { RealmProtocolError } from "./errors.ts";
import { MAX_REALMS } from "./shamir.ts";
import {
  ADMIN_OPS,
  REALM_FIELD_BYTES,
  REALM_PROTOCOL_NAME,
  REALM_PROTOCOL_V3,
  type AdminResponse,
  type EvaluateResponse,
  type ProofResponse,
  type RealmField,
  type RealmHead,
  type RealmInfoResponse,
  type RealmKsf,
  type RealmPolicy,
  type RealmRecordResponse,
  type RegisterResponse,
  type Registration,
  type RegistrationInfo,
  type RegistrationRef,
  type StartResponse,
  type UnlockResponse,
} from "./wire.ts";

type Obj = Record<string, unknown>;

function fail(what: string): never {
  throw new RealmProtocolError(`malformed realm answer: ${what}`);
}

export function obj(x: unknown, what: string): Obj {
  return x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Obj) : fail(`${what} is not an object`);
}

const B64U = /^[A-Za-z0-9_-]*$/;

/** Decode a canonical unpadded base64url string of exactly `bytes` bytes, or `null`. */
export function decodeField(v: unknown, bytes: number): Uint8Array | null {
  if (typeof v !== "string" || v.length !== Math.ceil((bytes * 4) / 3) || !B64U.test(v)) return null;
  let b: Uint8Array;
  try {
    b = fromBase64Url(v);
  } catch {
    return null;
  }
  // fromBase64Url refuses non-canonical trailing bits, so with the exact length the string is the
  // one canonical encoding of `b` (re-encoding it would give `v` again; codecs.test.ts checks).
  return b.length === bytes ? b : null;
}

export function fieldBytes(v: string, f: RealmField): Uint8Array {
  const b = decodeField(v, REALM_FIELD_BYTES[f]);
  if (!b) throw new RealmProtocolError(`field ${f} is not ${REALM_FIELD_BYTES[f]} bytes of base64url`);
  return b;
}

function b64(o: Obj, f: RealmField): string {
  if (decodeField(o[f], REALM_FIELD_BYTES[f]) === null) fail(f);
  return o[f] as string;
}

function int(o: Obj, f: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[f];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) fail(f);
  return v as number;
}

function intOrNull(o: Obj, f: string): number | null {
  return o[f] === null ? null : int(o, f);
}

export function parseKsf(x: unknown): RealmKsf {
  const o = obj(x, "ksf");
  if (Object.keys(o).some((k) => !["memoryKiB", "iterations", "parallelism"].includes(k))) fail("ksf has unknown fields");
  const k = { memoryKiB: o.memoryKiB, iterations: o.iterations, parallelism: o.parallelism };
  if (keyStretchingProblem({ algorithm: "argon2id", ...k }) !== null) fail("ksf");
  return k as RealmKsf;
}

function ref(o: Obj): RegistrationRef {
  return { version: int(o, "version", 1, 0xffffffff), registrationId: b64(o, "registrationId") };
}

export function parseRegistrationInfo(x: unknown): RegistrationInfo {
  const o = obj(x, "registration info");
  const realmCount = int(o, "realmCount", 1, MAX_REALMS);
  const threshold = int(o, "threshold", 1, realmCount);
  return {
    ...ref(o),
    shareIndex: int(o, "shareIndex", 1, realmCount),
    threshold,
    realmCount,
    salt: b64(o, "salt"),
    ksf: parseKsf(o.ksf),
    oprfPublicShare: b64(o, "oprfPublicShare"),
    headPublicKey: b64(o, "headPublicKey"),
    adminPublicKey: b64(o, "adminPublicKey"),
  };
}

/** A full registration (what a realm receives, §4). Checks shape only; `registrationProblem` checks meaning. */
export function parseRegistration(x: unknown): Registration {
  const o = obj(x, "registration");
  return {
    ...parseRegistrationInfo(o),
    realmId: b64(o, "realmId"),
    oprfKeyShare: b64(o, "oprfKeyShare"),
    unlockTag: b64(o, "unlockTag"),
    unlockCheck: b64(o, "unlockCheck"),
    wrapShare: b64(o, "wrapShare"),
    shareTag: b64(o, "shareTag"),
    wrappedRootKey: b64(o, "wrappedRootKey"),
  };
}

export function parseInfoResponse(x: unknown): RealmInfoResponse {
  const o = obj(x, "body");
  if (o.protocol !== REALM_PROTOCOL_NAME) fail("protocol");
  const info: RealmInfoResponse = { protocol: REALM_PROTOCOL_NAME, realmId: b64(o, "realmId") };
  // §2.2: `versions` (v3 realms) is a short list of short strings; absent means v2 only.
  if (o.versions !== undefined) {
    const v = o.versions;
    if (!Array.isArray(v) || v.length < 1 || v.length > 16 || !v.every((x) => typeof x === "string" && x.length >= 1 && x.length <= 64)) fail("versions");
    if (!v.includes(REALM_PROTOCOL_NAME)) fail("versions without chatvault-realm/2");
    info.versions = [...(v as string[])];
  }
  return info;
}

/** Whether a realm's `/info` says it serves `recover/start` (§5.3.1). */
export function speaksV3(info: RealmInfoResponse): boolean {
  return info.versions?.includes(REALM_PROTOCOL_V3) ?? false;
}

function parsePolicy(x: unknown): RealmPolicy {
  const o = obj(x, "policy");
  return {
    maxAttempts: int(o, "maxAttempts", 1),
    lockBaseMs: int(o, "lockBaseMs"),
    lockFactor: int(o, "lockFactor", 1),
    lockCapMs: int(o, "lockCapMs"),
    failureBudget: int(o, "failureBudget", 1),
  };
}

function optionalInfo(o: Obj, f: string): RegistrationInfo | null {
  return o[f] === undefined || o[f] === null ? null : parseRegistrationInfo(o[f]);
}

export function parseRecordResponse(x: unknown): RealmRecordResponse {
  const o = obj(x, "body");
  const state = o.state;
  if (state !== "none" && state !== "active" && state !== "destroyed") fail("state");
  const current = optionalInfo(o, "current");
  const next = optionalInfo(o, "next");
  if (state === "active" && current === null) fail("active record without current registration");
  if (state !== "active" && (current !== null || next !== null)) fail(`${state} record with a registration`);
  if (current && next && next.version <= current.version) fail("next version not newer than current");
  return {
    state,
    current,
    next,
    attemptsRemaining: int(o, "attemptsRemaining"),
    lockedUntil: intOrNull(o, "lockedUntil"),
    policy: parsePolicy(o.policy),
  };
}

export function parseRegisterResponse(x: unknown): RegisterResponse {
  const o = obj(x, "body");
  if (o.state !== "active") fail("state");
  return { state: "active", ...ref(o) };
}

export function parseEvaluateResponse(x: unknown): EvaluateResponse {
  const o = obj(x, "body");
  return {
    attemptId: b64(o, "attemptId"),
    evaluated: b64(o, "evaluated"),
    unlockCheck: b64(o, "unlockCheck"),
    attemptsRemaining: int(o, "attemptsRemaining"),
    lockedUntil: intOrNull(o, "lockedUntil"),
  };
}

/** §5.3.1: the record view, and an evaluation only beside an active record. */
export function parseStartResponse(x: unknown): StartResponse {
  const o = obj(x, "body");
  const record = parseRecordResponse(o.record);
  if (o.evaluation === undefined) fail("evaluation");
  const evaluation = o.evaluation === null ? null : parseEvaluateResponse(o.evaluation);
  if (evaluation && record.state !== "active") fail(`evaluation beside a ${record.state} record`);
  return { record, evaluation };
}

export function parseProofResponse(x: unknown): ProofResponse {
  const o = obj(x, "body");
  return { proof: b64(o, "proof") };
}

export function parseUnlockResponse(x: unknown): UnlockResponse {
  const o = obj(x, "body");
  return { wrapShare: b64(o, "wrapShare"), shareTag: b64(o, "shareTag"), wrappedRootKey: b64(o, "wrappedRootKey") };
}

function refOrNull(x: unknown, what: string): RegistrationRef | null {
  return x === null ? null : ref(obj(x, what));
}

export function parseAdminResponse(x: unknown): AdminResponse {
  const o = obj(x, "body");
  if (!ADMIN_OPS.includes(o.op as never)) fail("op");
  return { op: o.op as AdminResponse["op"], current: refOrNull(o.current, "current"), next: refOrNull(o.next, "next") };
}

export function parseRealmHead(x: unknown): RealmHead {
  const o = obj(x, "body");
  const sequence = int(o, "sequence");
  if (sequence === 0) {
    if (o.digest !== null || o.signature !== null) fail("empty head with digest or signature");
    return { sequence: 0, digest: null, signature: null };
  }
  const d = o.digest;
  let digestOk = false;
  for (let n = DIGEST_BYTES.min; n <= DIGEST_BYTES.max && !digestOk; n++) digestOk = decodeField(d, n) !== null;
  if (!digestOk) fail("digest");
  return { sequence, digest: d as string, signature: b64(o, "signature") };
}

/** Digest bytes of a non-empty head (16–64 bytes). */
export function headDigestBytes(d: string): Uint8Array | null {
  for (let n = DIGEST_BYTES.min; n <= DIGEST_BYTES.max; n++) {
    const b = decodeField(d, n);
    if (b) return b;
  }
  return null;
}
