/**
 * Test support for the realm suites: build registrations with the threshold client's own
 * derivations and run a recovery by hand (phase 1–3, admin ops, head) over a
 * `RealmDriver`, so tests can stop between any two steps. Not in `./testing`: it reaches
 * into vault-protocol's threshold internals (derivations, Shamir, registration), which
 * that package does not export, so it runs from the workspace sources only.
 */
import { randomBytes } from "node:crypto";
import { RootKey, fromBase64Url, generateRootKey, toBase64Url, utf8 } from "@chatvault/format";
import { deriveHeadSigningKey } from "../../../vault-protocol/src/head-proof.ts";
import { signAdmin, type AdminBody } from "../../../vault-protocol/src/threshold/admin.ts";
import {
  deriveAdminSeed,
  deriveUnlockKey,
  finalizeCombined,
  oprfInput,
  shareTag,
  unlockCheck,
  unlockTag,
  verifyEvaluationProof,
  voprf,
} from "../../../vault-protocol/src/threshold/derive.ts";
import { stretchPassword } from "../../../vault-protocol/src/threshold/ksf.ts";
import { newRegistration, openWrappedRootKey, type NewRegistration } from "../../../vault-protocol/src/threshold/registration.ts";
import { Point, interpolatePoints, interpolateScalar, scalarFromBytes } from "../../../vault-protocol/src/threshold/shamir.ts";
import type { RealmSet } from "../../../vault-protocol/src/threshold/realm-set.ts";
import { REALM_PATHS, type AdminOp, type RegistrationRef } from "./protocol.ts";
import { type Answer, RealmDriver } from "./realm-driver.ts";
import type { Registration, RegistrationInfo } from "./state.ts";

export { type Answer, RealmDriver };

/** The cheapest KSF the schema allows (tests run the realm with allowWeakKeyStretching). */
export const TEST_KSF = { memoryKiB: 8, iterations: 1, parallelism: 1 } as const;

/** A 2-of-3 (or any t-of-n) registration of `password` for the realms, built by the client's code. */
export async function buildRegistration(
  realms: RealmDriver[],
  threshold: number,
  accountId: string,
  password: string,
  rootKey = generateRootKey(),
  version = 1,
): Promise<NewRegistration & { rootKey: RootKey; realmSet: RealmSet }> {
  const realmSet: RealmSet = { threshold, realms: realms.map((r) => ({ id: r.realmId, url: r.url })) };
  const reg = await newRegistration({ password, rootKey, accountId, realmSet, version, ksf: TEST_KSF });
  return { ...reg, rootKey, realmSet };
}

/** Sign and send one admin operation (needs K). */
export async function adminOp(
  realm: RealmDriver,
  rootKey: RootKey,
  accountId: string,
  op: AdminOp,
  target: RegistrationRef,
  registration?: Registration,
  issuedAt = Date.now(),
): Promise<Answer> {
  const body: AdminBody = { op, target, ...(registration ? { registration } : {}) };
  const signature = signAdmin(deriveAdminSeed(rootKey.unsafeBytes()), fromBase64Url(realm.realmId), accountId, body, issuedAt);
  return realm.call("POST", REALM_PATHS.admin, { ...body, issuedAt, signature: toBase64Url(signature) });
}

/** Sign a head with K's head key (spec/threshold-vault.md §5.7; head proof: spec/vault-protocol.md §7.1). */
export function signedHead(rootKey: RootKey, accountId: string, sequence: number, digest = randomBytes(32)) {
  const signature = deriveHeadSigningKey(rootKey.unsafeBytes()).sign(accountId, sequence, digest);
  return { sequence, digest: toBase64Url(digest), signature: toBase64Url(signature) };
}

export interface GuessResult {
  /** Realms whose phase 2 answered 200. */
  answered: Array<{ realm: RealmDriver; index: number; attemptId: string; evaluated: Uint8Array; unlockCheck: string }>;
  /** Status per realm, in order. */
  statuses: number[];
  input: Uint8Array;
  blind: Uint8Array;
}

/**
 * Phase 2 of a guess at every realm: stretch with the registration's salt, blind, evaluate.
 * With `proofs`, also asks each realm for its proof (§5.4.1, which settles the attempt) and verifies it.
 */
export async function guess(
  realms: RealmDriver[],
  accountId: string,
  password: string,
  info: RegistrationInfo,
  indexes = realms.map((_r, i) => i + 1),
  options: { proofs?: boolean } = {},
): Promise<GuessResult> {
  const stretched = await stretchPassword(utf8(password.normalize("NFC")), fromBase64Url(info.salt), { algorithm: "argon2id", ...info.ksf });
  const input = oprfInput(accountId, stretched);
  const { blind, blinded } = voprf.blind(input);
  const ref = { version: info.version, registrationId: info.registrationId };
  const answers = await Promise.all(realms.map((r) => r.evaluate(ref, blinded)));
  const out: GuessResult = { answered: [], statuses: answers.map((a) => a.status), input, blind };
  for (const [i, a] of answers.entries()) {
    if (a.status !== 200) continue;
    const rec = (await realms[i]!.record()).body;
    const pub = [rec.current, rec.next].find((x) => x?.version === info.version)!;
    const evaluated = fromBase64Url(a.body.evaluated);
    if (options.proofs) {
      const p = await realms[i]!.proof(a.body.attemptId);
      if (p.status !== 200 || !verifyEvaluationProof(input, blind, blinded, evaluated, fromBase64Url(pub.oprfPublicShare), fromBase64Url(p.body.proof)))
        throw new Error(`realm ${i + 1}: bad proof`);
    }
    out.answered.push({ realm: realms[i]!, index: indexes[i]!, attemptId: a.body.attemptId, evaluated, unlockCheck: a.body.unlockCheck });
  }
  return out;
}

/** O from t evaluations (Lagrange in the group, then Finalize). */
export function combine(g: GuessResult, t: number): Uint8Array {
  const pick = g.answered.slice(0, t);
  const combined = interpolatePoints(pick.map((a) => ({ index: a.index, point: Point.fromBytes(a.evaluated) }))).toBytes();
  return finalizeCombined(g.input, g.blind, combined);
}

/**
 * The whole recovery by hand: phase 2 at every realm, combine t, check unlockCheck, phase 3
 * at the answering realms, combine t wrap shares, open E. Returns K, or "wrong_password".
 */
export async function recoverByHand(realms: RealmDriver[], accountId: string, password: string, info: RegistrationInfo): Promise<RootKey | "wrong_password"> {
  const g = await guess(realms, accountId, password, info);
  if (g.answered.length < info.threshold) throw new Error(`only ${g.answered.length} realms answered: ${g.statuses.join(",")}`);
  const O = combine(g, info.threshold);
  const rid = fromBase64Url(info.registrationId);
  const uk = deriveUnlockKey(O, rid);
  if (toBase64Url(unlockCheck(uk, accountId, info.version)) !== g.answered[0]!.unlockCheck) return "wrong_password";
  const shares: Array<{ index: number; share: bigint }> = [];
  let E: Uint8Array | undefined;
  for (const a of g.answered) {
    const u = await a.realm.unlock(a.attemptId, unlockTag(uk, fromBase64Url(a.realm.realmId), accountId, info.version));
    if (u.status !== 200) throw new Error(`unlock at realm ${a.index}: ${u.status} ${JSON.stringify(u.body)}`);
    const z = fromBase64Url(u.body.wrapShare);
    if (toBase64Url(shareTag(uk, fromBase64Url(a.realm.realmId), a.index, z, info.version)) !== u.body.shareTag) throw new Error(`realm ${a.index}: bad share`);
    shares.push({ index: a.index, share: scalarFromBytes(z) });
    E = fromBase64Url(u.body.wrappedRootKey);
  }
  const z = interpolateScalar(shares.slice(0, info.threshold));
  const K = await openWrappedRootKey(E!, O, z, { accountId, registrationId: rid, version: info.version });
  if (!K) throw new Error("E did not open");
  return K;
}

export { Point };
