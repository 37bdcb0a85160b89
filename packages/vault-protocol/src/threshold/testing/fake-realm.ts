/**
 * TEST ONLY: an in-memory realm that implements the wire contract (spec/threshold-vault.md
 * §5, §7) closely enough to drive the client's logic, with injectable faults: down,
 * wrong evaluation, bad proof (asked for only when no subset is accepted, §5.4.1), lying public share, bad share, wrong unlockCheck, wrong E, rolled-back state,
 * forged head, crash before an op. The real realm is packages/vault-server/src/realm.
 */
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { fromBase64Url, toBase64Url } from "@chatvault/format";
import { verifyAdmin, ADMIN_CLOCK_WINDOW_MS } from "../admin.ts";
import { constantTimeEqual } from "../bytes.ts";
import { decodeField, parseRegistration } from "../codecs.ts";
import { RealmRequestError, RealmUnreachableError } from "../errors.ts";
import { deriveHeadSigningKey, verifyHeadSignature } from "../../head-proof.ts";
import { headDigestBytes } from "../codecs.ts";
import { registrationProblem } from "../registration-check.ts";
import { Fn, Point, scalarToBytes } from "../shamir.ts";
import type { RealmApi } from "../transport.ts";
import {
  REALM_ERROR_STATUS,
  REALM_PROTOCOL_NAME,
  REALM_PROTOCOL_V3,
  type AdminRequest,
  type AdminResponse,
  type EvaluateRequest,
  type EvaluateResponse,
  type ProofRequest,
  type ProofResponse,
  type RealmErrorCode,
  type RealmHead,
  type RealmInfoResponse,
  type RealmPolicy,
  type RealmRecordResponse,
  type RegisterRequest,
  type RegisterResponse,
  type Registration,
  type RegistrationInfo,
  type StartRequest,
  type StartResponse,
  type UnlockRequest,
  type UnlockResponse,
} from "../wire.ts";
import type { RealmFaults } from "./realm-faults.ts";

export const FAKE_POLICY: RealmPolicy = { maxAttempts: 5, lockBaseMs: 3_600_000, lockFactor: 4, lockCapMs: 7 * 24 * 3_600_000, failureBudget: 20 };
const ATTEMPT_TTL_MS = 60_000;

interface AccountState {
  state: "none" | "active" | "destroyed";
  current: Registration | null;
  next: Registration | null;
  consecutive: number;
  total: number;
  lockouts: number;
  lockedUntil: number | null;
  lastAttemptExpiresAt: number;
  lastAdminIssuedAt: number;
  head: RealmHead;
}

interface Attempt {
  version: number;
  registrationId: string;
  /** The evaluated element and the key pair it was evaluated with: the proof is computed later, on request. */
  blinded: Uint8Array;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  expiresAt: number;
  outcome: "pending" | "success" | "failed";
}

const fail = (code: RealmErrorCode, extra: { retryAfter?: number; current?: unknown; attemptsRemaining?: number } = {}): never => {
  throw new RealmRequestError(code, `realm refused: ${code}`, REALM_ERROR_STATUS[code], extra);
};

export class FakeRealm implements RealmApi {
  readonly realmId: string;
  readonly faults: RealmFaults = {};
  /** Evaluations released (phase 2 answers that left the realm). */
  evaluations = 0;
  /** Proofs computed (§5.4.1). */
  proofs = 0;
  /** `recover/start` requests served, and how many of them counted and evaluated (§5.3.1). */
  starts = 0;
  startEvaluations = 0;
  #s: AccountState = FakeRealm.#empty();
  #attempts = new Map<string, Attempt>();
  readonly #now: () => number;
  readonly #lieKey = Fn.create(0x1234567n);

  constructor(realmId: Uint8Array, now: () => number = Date.now) {
    this.realmId = toBase64Url(realmId);
    this.#now = now;
  }

  static #empty(): AccountState {
    return {
      state: "none",
      current: null,
      next: null,
      consecutive: 0,
      total: 0,
      lockouts: 0,
      lockedUntil: null,
      lastAttemptExpiresAt: 0,
      lastAdminIssuedAt: 0,
      head: { sequence: 0, digest: null, signature: null },
    };
  }

  /** Everything this realm stores for the account (the offline attacker's view of one realm). */
  dump(): { registrations: Registration[]; state: unknown } {
    return {
      registrations: [this.#s.current, this.#s.next].filter((r): r is Registration => r !== null).map((r) => ({ ...r })),
      state: structuredClone(this.#s),
    };
  }
  /** A whole-row snapshot and its replay (a database writer's rollback). */
  snapshot(): string {
    return JSON.stringify(this.#s);
  }
  restore(snapshot: string): void {
    this.#s = JSON.parse(snapshot) as AccountState;
  }

  #enter(op: string): AccountState {
    if (this.faults.down) throw new RealmUnreachableError(`fake realm down (${op})`);
    this.faults.before?.(op);
    const s = this.#s;
    if (s.state === "active" && s.total >= FAKE_POLICY.failureBudget && this.#now() >= s.lastAttemptExpiresAt) {
      Object.assign(s, { state: "destroyed", current: null, next: null });
    }
    if (s.lockedUntil !== null && this.#now() >= s.lockedUntil) {
      s.lockedUntil = null;
      s.consecutive = 0;
    }
    return s;
  }

  #info(r: Registration | null): RegistrationInfo | null {
    if (!r) return null;
    const y = this.faults.liePublicShare ? toBase64Url(Point.BASE.multiply(this.#lieKey).toBytes()) : r.oprfPublicShare;
    return {
      version: r.version,
      registrationId: r.registrationId,
      shareIndex: r.shareIndex,
      threshold: r.threshold,
      realmCount: r.realmCount,
      salt: r.salt,
      ksf: { ...r.ksf },
      oprfPublicShare: y,
      headPublicKey: r.headPublicKey,
      adminPublicKey: r.adminPublicKey,
    };
  }

  #remaining(s: AccountState): number {
    return s.lockedUntil !== null ? 0 : Math.max(0, Math.min(FAKE_POLICY.maxAttempts - s.consecutive, FAKE_POLICY.failureBudget - s.total));
  }

  async info(): Promise<RealmInfoResponse> {
    if (this.faults.down) throw new RealmUnreachableError("fake realm down (info)");
    if (this.faults.v2Only) return { protocol: REALM_PROTOCOL_NAME, realmId: this.realmId };
    return { protocol: REALM_PROTOCOL_NAME, realmId: this.realmId, versions: [REALM_PROTOCOL_NAME, REALM_PROTOCOL_V3] };
  }

  /** §5.3.1: the record view; an evaluation only for the current registration with no next, when not locked. */
  async start(body: StartRequest): Promise<StartResponse> {
    if (this.faults.v2Only) fail("not_found");
    const record = await this.record();
    this.starts++;
    const s = this.#s;
    const usable =
      s.state === "active" &&
      s.next === null &&
      s.current !== null &&
      s.current.version === body.version &&
      s.current.registrationId === body.registrationId &&
      s.lockedUntil === null &&
      s.total < FAKE_POLICY.failureBudget;
    if (!usable) return { record, evaluation: null };
    const evaluation = await this.evaluate(body);
    this.startEvaluations++;
    return { record, evaluation };
  }

  async record(): Promise<RealmRecordResponse> {
    const s = this.#enter("record");
    return {
      state: s.state,
      current: this.#info(s.current),
      next: this.#info(s.next),
      attemptsRemaining: this.#remaining(s),
      lockedUntil: s.lockedUntil,
      policy: { ...FAKE_POLICY },
    };
  }

  async register(body: RegisterRequest): Promise<RegisterResponse> {
    const s = this.#enter("register");
    if (registrationProblem(body.registration, { realmId: this.realmId })) fail("bad_request");
    if (s.state === "active") fail("already_enabled");
    const r = parseRegistration(body.registration);
    this.#s = { ...FakeRealm.#empty(), state: "active", current: r, lastAdminIssuedAt: s.lastAdminIssuedAt };
    return { state: "active", version: r.version, registrationId: r.registrationId };
  }

  #held(s: AccountState, version: number, rid: string): Registration | null {
    for (const r of [s.current, s.next]) if (r && r.version === version && r.registrationId === rid) return r;
    return null;
  }

  async evaluate(body: EvaluateRequest): Promise<EvaluateResponse> {
    const s = this.#enter("evaluate");
    if (s.state === "destroyed") fail("destroyed");
    if (s.state !== "active") fail("not_enabled");
    const r = this.#held(s, body.version, body.registrationId) ?? fail("version_mismatch");
    const blinded = decodeField(body.blinded, 32) ?? fail("bad_request");
    try {
      if (Point.fromBytes(blinded).equals(Point.ZERO)) fail("bad_request");
    } catch {
      fail("bad_request");
    }
    const now = this.#now();
    if (s.lockedUntil !== null) fail("locked", { retryAfter: s.lockedUntil });
    if (s.total >= FAKE_POLICY.failureBudget) fail("locked", { retryAfter: s.lastAttemptExpiresAt });
    // Count, store the pending attempt — "commit" — and only then evaluate (§5.4).
    s.consecutive += 1;
    s.total += 1;
    s.lastAttemptExpiresAt = Math.max(s.lastAttemptExpiresAt, now + ATTEMPT_TTL_MS);
    if (s.consecutive >= FAKE_POLICY.maxAttempts && s.total < FAKE_POLICY.failureBudget) {
      s.lockedUntil = now + Math.min(FAKE_POLICY.lockCapMs, FAKE_POLICY.lockBaseMs * FAKE_POLICY.lockFactor ** s.lockouts);
      s.lockouts += 1;
    }
    const attemptId = toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
    let sk = fromBase64Url(r.oprfKeyShare);
    let pk = fromBase64Url(r.oprfPublicShare);
    if (this.faults.liePublicShare) {
      sk = scalarToBytes(this.#lieKey);
      pk = Point.BASE.multiply(this.#lieKey).toBytes();
    } else if (this.faults.badEvaluation) {
      ({ secretKey: sk, publicKey: pk } = ristretto255_oprf.voprf.generateKeyPair());
    }
    this.#attempts.set(attemptId, {
      version: r.version,
      registrationId: r.registrationId,
      blinded,
      secretKey: sk,
      publicKey: pk,
      expiresAt: now + ATTEMPT_TTL_MS,
      outcome: "pending",
    });
    this.evaluations++;
    // The bare evaluation k_i·blinded (§5.4); the proof only on request (§5.4.1).
    const evaluated = ristretto255_oprf.oprf.blindEvaluate(sk, blinded);
    const check = this.faults.badUnlockCheck ? toBase64Url(new Uint8Array(32).fill(7)) : r.unlockCheck;
    return {
      attemptId,
      evaluated: toBase64Url(evaluated),
      unlockCheck: check,
      attemptsRemaining: this.#remaining(s),
      lockedUntil: s.lockedUntil,
    };
  }

  async proof(body: ProofRequest): Promise<ProofResponse> {
    this.#enter("proof");
    const a = this.#attempts.get(body.attemptId);
    if (!a || a.outcome !== "pending" || this.#now() >= a.expiresAt) fail("attempt_expired");
    // One proof per attempt: asking settles it as failed (it stays counted, §5.4.1).
    a!.outcome = "failed";
    this.proofs++;
    let { proof } = ristretto255_oprf.voprf.blindEvaluate(a!.secretKey, a!.publicKey, a!.blinded);
    if (this.faults.badProof) {
      const other = ristretto255_oprf.voprf.generateKeyPair();
      proof = ristretto255_oprf.voprf.blindEvaluate(other.secretKey, other.publicKey, a!.blinded).proof;
    }
    return { proof: toBase64Url(proof) };
  }

  async unlock(body: UnlockRequest): Promise<UnlockResponse> {
    const s = this.#enter("unlock");
    const a = this.#attempts.get(body.attemptId);
    if (!a || a.outcome !== "pending" || this.#now() >= a.expiresAt) fail("attempt_expired");
    const r = this.#held(s, a!.version, a!.registrationId) ?? fail("version_mismatch");
    const tag = decodeField(body.unlockTag, 32) ?? fail("bad_request");
    if (!constantTimeEqual(tag, fromBase64Url(r.unlockTag))) {
      a!.outcome = "failed";
      fail("unlock_failed");
    }
    a!.outcome = "success";
    Object.assign(s, { consecutive: 0, lockouts: 0, lockedUntil: null, total: Math.max(0, s.total - 1) });
    let wrapShare = r.wrapShare;
    if (this.faults.badShare) wrapShare = toBase64Url(scalarToBytes(Fn.add(Fn.fromBytes(fromBase64Url(r.wrapShare)), 1n)));
    let e = r.wrappedRootKey;
    if (this.faults.badWrappedKey) {
      const b = fromBase64Url(e);
      b[20]! ^= 1;
      e = toBase64Url(b);
    }
    return { wrapShare, shareTag: r.shareTag, wrappedRootKey: e };
  }

  async admin(body: AdminRequest): Promise<AdminResponse> {
    const s = this.#enter(`admin:${body.op}`);
    if (s.state !== "active" || !s.current) fail("not_enabled");
    const cur = s.current!;
    const sig = decodeField(body.signature, 64) ?? fail("bad_request");
    if (!this.#verifyFor(body, sig, cur)) fail("admin_signature_invalid");
    if (Math.abs(this.#now() - body.issuedAt) > ADMIN_CLOCK_WINDOW_MS || body.issuedAt <= s.lastAdminIssuedAt) fail("admin_stale");
    const is = (r: Registration | null) => r !== null && r.version === body.target.version && r.registrationId === body.target.registrationId;
    const checkNew = (r: Registration | undefined) => {
      if (!r || registrationProblem(r, { realmId: this.realmId })) fail("bad_request");
      if (r!.adminPublicKey !== cur.adminPublicKey || r!.headPublicKey !== cur.headPublicKey) fail("bad_request");
      return parseRegistration(r);
    };
    switch (body.op) {
      case "prepare": {
        if (!is(cur)) fail("version_mismatch");
        const r = checkNew(body.registration);
        if (r.version <= cur.version || (s.next && r.version <= s.next.version)) fail("version_mismatch");
        s.next = r;
        break;
      }
      case "commit":
        if (is(s.next)) {
          s.current = s.next;
          s.next = null;
        } else if (!is(cur)) fail("version_mismatch");
        break;
      case "abort":
        if (is(s.next)) s.next = null;
        else if (s.next) fail("version_mismatch");
        break;
      case "repair": {
        if (!is(cur)) fail("version_mismatch");
        const r = checkNew(body.registration);
        if (r.version < cur.version) fail("version_mismatch");
        s.current = r;
        if (s.next && s.next.version <= r.version) s.next = null;
        break;
      }
      case "delete":
        if (!is(cur) && !is(s.next)) fail("version_mismatch");
        Object.assign(s, { state: "none", current: null, next: null });
        break;
    }
    s.lastAdminIssuedAt = body.issuedAt;
    const ref = (r: Registration | null) => (r ? { version: r.version, registrationId: r.registrationId } : null);
    return { op: body.op, current: ref(s.current), next: ref(s.next) };
  }

  /** The account ID is the token's `sub`; the fake realm serves one account, set by the harness. */
  accountId = "";
  #verifyFor(body: AdminRequest, sig: Uint8Array, cur: Registration): boolean {
    return verifyAdmin(
      fromBase64Url(cur.adminPublicKey),
      sig,
      fromBase64Url(this.realmId),
      this.accountId,
      { op: body.op, target: body.target, registration: body.registration },
      body.issuedAt,
    );
  }

  async getHead(): Promise<RealmHead> {
    const s = this.#enter("getHead");
    if (this.faults.forgedHead) {
      const other = new Uint8Array(32).fill(9);
      const d = new Uint8Array(32).fill(1);
      return {
        sequence: s.head.sequence + 100,
        digest: toBase64Url(d),
        signature: toBase64Url(deriveHeadSigningKey(other).sign(this.accountId, s.head.sequence + 100, d)),
      };
    }
    return { ...s.head };
  }

  async postHead(body: RealmHead): Promise<RealmHead> {
    const s = this.#enter("postHead");
    if (s.state !== "active" || !s.current) fail("not_enabled");
    const digest = body.digest ? headDigestBytes(body.digest) : null;
    const sig = body.signature ? decodeField(body.signature, 64) : null;
    if (!digest || !sig || !verifyHeadSignature(fromBase64Url(s.current!.headPublicKey), this.accountId, body.sequence, digest, sig))
      fail("head_signature_invalid");
    if (body.sequence < s.head.sequence || (body.sequence === s.head.sequence && body.digest !== s.head.digest)) fail("head_conflict", { current: s.head });
    s.head = { ...body };
    return { ...s.head };
  }
}

/** n fake realms with IDs 1..n (16 bytes each), one shared clock. */
export function fakeRealms(n: number, accountId: string, now: () => number = Date.now): FakeRealm[] {
  return Array.from({ length: n }, (_, k) => {
    const r = new FakeRealm(
      Uint8Array.from({ length: 16 }, (_, j) => (k + 1) * 16 + j),
      now,
    );
    r.accountId = accountId;
    return r;
  });
}
