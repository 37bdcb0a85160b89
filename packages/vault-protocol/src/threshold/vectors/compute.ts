/**
 * The computations behind spec/vectors/threshold-*.json (spec/threshold-vault.md §10), one
 * per vector `op`. The generator fills expected values with them; the runner recomputes and
 * compares, in Node and in Chromium. Browser-safe. Deterministic "randomness" is an HKDF
 * expansion of a named seed, so the committed files are reproducible byte for byte.
 */
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { RootKey, fromHex, toHex, utf8, type CryptoBackend } from "@chatvault/format";
import { adminMessage, canonicalJson, signAdmin, verifyAdmin, type AdminBody } from "../admin.ts";
import { constantTimeEqual, hkdfSha256 } from "../bytes.ts";
import {
  adminPublicKeyOf,
  deriveAdminSeed,
  deriveShares,
  deriveUnlockKey,
  deriveWrapKey,
  finalizeCombined,
  oprfInput,
  polynomialCoefficients,
  shareTag,
  unlockCheck,
  unlockTag,
  verifyEvaluationProof,
  voprfEvaluate,
} from "../derive.ts";
import { deriveHeadSigningKey, verifyHeadSignature } from "../../head-proof.ts";
import { hashWasmArgon2id, stretchPassword } from "../ksf.ts";
import { openWrappedRootKey, wrapRootKeyForRealms } from "../registration.ts";
import { groupArithmetic } from "../combine.ts";
import { lagrangeCoefficient, scalarFromBytes, scalarToBytes, subsetsOf } from "../shamir.ts";
import { parseInfoResponse, parseStartResponse, speaksV3 } from "../codecs.ts";
import { RealmProtocolError } from "../errors.ts";

export type Json = Record<string, unknown>;

/** A deterministic byte source named by `seed`: call k returns HKDF(seed, "", "vector/" ‖ k, len). */
export function seededSource(seed: string): (len?: number) => Uint8Array<ArrayBuffer> {
  let k = 0;
  return (len = 32) => hkdfSha256(utf8(seed), new Uint8Array(0), `chatvault-test-vector/${k++}`, len) as Uint8Array<ArrayBuffer>;
}

const hex = toHex;
const sc = (s: bigint) => hex(scalarToBytes(s));

/** The failure vocabulary of the threshold vectors. */
export class VectorFailure extends Error {
  constructor(readonly error: "bad_proof" | "bad_share" | "bad_unlock_check" | "bad_wrapped_key" | "bad_signature" | "invalid_params" | "bad_answer") {
    super(error);
  }
}

export function shares(v: Json): Json {
  const K = fromHex(v.rootKey as string);
  const rid = fromHex(v.registrationId as string);
  const t = v.threshold as number;
  const n = v.realmCount as number;
  const s = deriveShares(K, rid, t, n);
  if (!s) throw new VectorFailure("invalid_params");
  return {
    oprfCoefficients: polynomialCoefficients(K, rid, "oprf", t).map(sc),
    wrapCoefficients: polynomialCoefficients(K, rid, "wrap", t).map(sc),
    shares: s.shares.map((x) => ({ index: x.index, oprfKeyShare: sc(x.k), wrapShare: sc(x.z), oprfPublicShare: hex(x.publicShare) })),
  };
}

export function lagrange(v: Json): Json {
  const t = v.threshold as number;
  const n = v.realmCount as number;
  const idx = Array.from({ length: n }, (_, i) => i + 1);
  return { subsets: subsetsOf(idx, t).map((q) => ({ indexes: q, coefficients: q.map((i) => sc(lagrangeCoefficient(i, q))) })) };
}

export async function stretch(v: Json): Promise<Json> {
  const ksf = v.ksf as { memoryKiB: number; iterations: number; parallelism: number };
  const S = await stretchPassword(
    utf8((v.password as string).normalize("NFC")),
    fromHex(v.salt as string),
    { algorithm: "argon2id", ...ksf },
    hashWasmArgon2id,
  );
  return { stretched: hex(S) };
}

export function input(v: Json): Json {
  return { oprfInput: hex(oprfInput(v.accountId as string, fromHex(v.stretched as string))) };
}

export function keys(v: Json): Json {
  const O = fromHex(v.oprfOutput as string);
  const rid = fromHex(v.registrationId as string);
  const acct = v.accountId as string;
  const version = v.version as number;
  const uk = deriveUnlockKey(O, rid);
  const realms = v.realms as { realmId: string; index: number; wrapShare: string }[];
  return {
    unlockKey: hex(uk),
    unlockCheck: hex(unlockCheck(uk, acct, version)),
    unlockTags: realms.map((r) => hex(unlockTag(uk, fromHex(r.realmId), acct, version))),
    shareTags: realms.map((r) => hex(shareTag(uk, fromHex(r.realmId), r.index, fromHex(r.wrapShare), version))),
    wrapKey: hex(deriveWrapKey(O, scalarFromBytes(fromHex(v.wrapSecret as string)), rid)),
  };
}

function wrapParams(v: Json) {
  return { accountId: v.accountId as string, registrationId: fromHex(v.registrationId as string), version: v.version as number };
}

export async function wrap(v: Json, backend: CryptoBackend): Promise<Json> {
  const E = await wrapRootKeyForRealms(
    new RootKey(fromHex(v.rootKey as string)),
    fromHex(v.oprfOutput as string),
    scalarFromBytes(fromHex(v.wrapSecret as string)),
    wrapParams(v),
    fromHex(v.nonce as string),
    backend,
  );
  return { wrappedRootKey: hex(E) };
}

export async function openWrapped(v: Json, backend: CryptoBackend): Promise<Json> {
  const k = await openWrappedRootKey(
    fromHex(v.wrappedRootKey as string),
    fromHex(v.oprfOutput as string),
    scalarFromBytes(fromHex(v.wrapSecret as string)),
    wrapParams(v),
    backend,
  );
  if (!k) throw new VectorFailure("bad_wrapped_key");
  return { rootKey: hex(k.unsafeBytes()) };
}

export function checkShareTag(v: Json): Json {
  const tag = shareTag(fromHex(v.unlockKey as string), fromHex(v.realmId as string), v.index as number, fromHex(v.wrapShare as string), v.version as number);
  if (!constantTimeEqual(tag, fromHex(v.shareTag as string))) throw new VectorFailure("bad_share");
  return {};
}

/**
 * The whole threshold OPRF of one registration: direct O, blinded, each realm's evaluation and proof,
 * every t-subset's combination — combined with the client's own code (combine.ts, libsodium), so
 * the vectors check what an unlock runs, in Node and in the browser.
 */
export async function thresholdOprf(v: Json): Promise<Json> {
  const group = await groupArithmetic();
  const K = fromHex(v.rootKey as string);
  const rid = fromHex(v.registrationId as string);
  const t = v.threshold as number;
  const n = v.realmCount as number;
  const I = fromHex(v.oprfInput as string);
  const s = deriveShares(K, rid, t, n)!;
  const output = voprfEvaluate(scalarToBytes(s.k), I);
  const { blind, blinded } = ristretto255_oprf.voprf.blind(I, seededSource(v.blindSeed as string));
  const evaluations = s.shares.map((x) => {
    const e = ristretto255_oprf.voprf.blindEvaluate(scalarToBytes(x.k), x.publicShare, blinded, seededSource(`${v.proofSeed as string}/${x.index}`));
    return { index: x.index, evaluated: hex(e.evaluated), proof: hex(e.proof) };
  });
  const subsets = subsetsOf(evaluations, t).map((q) => {
    const combined = group.interpolate(q.map((e) => ({ index: e.index, element: fromHex(e.evaluated) })));
    return { indexes: q.map((e) => e.index), combined: hex(combined), output: hex(finalizeCombined(I, blind, combined)) };
  });
  return { output: hex(output), blind: hex(blind), blinded: hex(blinded), evaluations, subsets };
}

export function verifyProof(v: Json): Json {
  const ok = verifyEvaluationProof(
    fromHex(v.oprfInput as string),
    fromHex(v.blind as string),
    fromHex(v.blinded as string),
    fromHex(v.evaluated as string),
    fromHex(v.oprfPublicShare as string),
    fromHex(v.proof as string),
  );
  if (!ok) throw new VectorFailure("bad_proof");
  return {};
}

/** Combine the given evaluations as the client does (combine.ts), finalize, and compare the unlock check (§6.3). */
export async function combineAndCheck(v: Json): Promise<Json> {
  const group = await groupArithmetic();
  const evs = v.evaluations as { index: number; evaluated: string }[];
  if (!evs.every((e) => group.isNonIdentityElement(fromHex(e.evaluated)))) throw new Error("an evaluation is not a non-identity element");
  const combined = group.interpolate(evs.map((e) => ({ index: e.index, element: fromHex(e.evaluated) })));
  const O = finalizeCombined(fromHex(v.oprfInput as string), fromHex(v.blind as string), combined);
  const uk = deriveUnlockKey(O, fromHex(v.registrationId as string));
  if (!constantTimeEqual(unlockCheck(uk, v.accountId as string, v.version as number), fromHex(v.unlockCheck as string)))
    throw new VectorFailure("bad_unlock_check");
  return { output: hex(O) };
}

export function head(v: Json): Json {
  const key = deriveHeadSigningKey(fromHex(v.rootKey as string));
  return { headPublicKey: hex(key.publicKey), signature: hex(key.sign(v.accountId as string, v.sequence as number, fromHex(v.digest as string))) };
}

export function verifyHead(v: Json): Json {
  if (
    !verifyHeadSignature(
      fromHex(v.headPublicKey as string),
      v.accountId as string,
      v.sequence as number,
      fromHex(v.digest as string),
      fromHex(v.signature as string),
    )
  ) {
    throw new VectorFailure("bad_signature");
  }
  return {};
}

function adminBody(v: Json): AdminBody {
  return {
    op: v.adminOp as AdminBody["op"],
    target: v.target as AdminBody["target"],
    ...(v.registration ? { registration: v.registration as AdminBody["registration"] } : {}),
  };
}

export function admin(v: Json): Json {
  const seed = deriveAdminSeed(fromHex(v.rootKey as string));
  const body = adminBody(v);
  const realmId = fromHex(v.realmId as string);
  return {
    adminPublicKey: hex(adminPublicKeyOf(seed)),
    canonicalBody: canonicalJson(body),
    message: hex(adminMessage(realmId, v.accountId as string, body, v.issuedAt as number)),
    signature: hex(signAdmin(seed, realmId, v.accountId as string, body, v.issuedAt as number)),
  };
}

export function verifyAdminVector(v: Json): Json {
  if (
    !verifyAdmin(
      fromHex(v.adminPublicKey as string),
      fromHex(v.signature as string),
      fromHex(v.realmId as string),
      v.accountId as string,
      adminBody(v),
      v.issuedAt as number,
    )
  ) {
    throw new VectorFailure("bad_signature");
  }
  return {};
}

/** A strict parse of an untrusted answer: a RealmProtocolError is the vector outcome `bad_answer` (§13). */
function parsed<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RealmProtocolError) throw new VectorFailure("bad_answer");
    throw e;
  }
}

/** §2.2: `/info` as the client reads it (v2 name required; `versions` tells whether `recover/start` is served). */
export function parseInfoVector(v: Json): Json {
  const info = parsed(() => parseInfoResponse(v.body));
  return { realmId: info.realmId, startServed: speaksV3(info) };
}

/** §5.3.1: a `recover/start` answer as the client reads it. */
export function parseStartVector(v: Json): Json {
  const a = parsed(() => parseStartResponse(v.body));
  return {
    state: a.record.state,
    current: a.record.current ? { version: a.record.current.version, registrationId: a.record.current.registrationId } : null,
    attemptsRemaining: a.record.attemptsRemaining,
    evaluation: a.evaluation
      ? { attemptId: a.evaluation.attemptId, evaluated: a.evaluation.evaluated, attemptsRemaining: a.evaluation.attemptsRemaining }
      : null,
  };
}

export type Op = (v: Json, backend: CryptoBackend) => Json | Promise<Json>;

export const OPS: Record<string, Op> = {
  "parse-info": parseInfoVector,
  "parse-start": parseStartVector,
  shares,
  lagrange,
  stretch,
  input,
  keys,
  wrap,
  "open-wrapped": openWrapped,
  "check-share-tag": checkShareTag,
  "threshold-oprf": thresholdOprf,
  "verify-proof": verifyProof,
  "combine-check": combineAndCheck,
  head,
  "verify-head": verifyHead,
  admin,
  "verify-admin": verifyAdminVector,
};
