/**
 * Writes spec/vectors/threshold-*.json (spec/threshold-vault.md §10). Deterministic: fixed
 * K, rid, salt, nonce, and seeded blind and proof randomness, so re-running reproduces the
 * committed files byte for byte (threshold vectors.test.ts checks).
 *
 *   node --import tsx packages/vault-protocol/scripts/generate-threshold-vectors.ts
 *
 * Negative vectors are built here by changing one input of a positive one (a proof from
 * another key, a wrap share off by one, a flipped bit of E, a signature over other data).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ristretto255, ristretto255_oprf } from "@noble/curves/ed25519.js";
import { fromHex, toBase64Url, toHex, webCryptoBackend, type CryptoBackend } from "@chatvault/format";
import { computeVector, THRESHOLD_VECTOR_FILES, type ThresholdVector, type ThresholdVectorFile } from "../src/threshold/vectors/run-vectors.ts";
import { seededSource, type Json } from "../src/threshold/vectors/compute.ts";

const seq = (n: number, from = 0) => toHex(Uint8Array.from({ length: n }, (_, i) => (from + i) & 255));
const K = seq(32, 0x40);
const K2 = toHex(seededSource("root key 2")(32));
const RID = seq(16, 0xa0);
const ACCT = "alice@example.test";
const REALM_IDS = [1, 2, 3, 4, 5].map((k) => seq(16, k * 16));

async function vector(name: string, op: string, inputs: Json, backend: CryptoBackend): Promise<ThresholdVector> {
  for (const reserved of ["op", "name", "expected", "output"])
    if (reserved in inputs) throw new Error(`${name}: inputs must not have a field named ${reserved}`);
  const r = await computeVector({ op, ...inputs }, backend);
  // A generator bug must not become a committed "expected failure".
  if (r.outcome !== "success" && r.outcome.error.startsWith("unexpected")) throw new Error(`${name}: ${r.outcome.error}`);
  return { name, op, ...inputs, expected: r.outcome, ...(r.outcome === "success" ? { output: r.output } : {}) } as ThresholdVector;
}

function flip(h: string, byte: number): string {
  const b = fromHex(h);
  b[byte]! ^= 1;
  return toHex(b);
}

async function sharing(b: CryptoBackend): Promise<ThresholdVector[]> {
  const v: ThresholdVector[] = [];
  for (const [t, n] of [
    [1, 1],
    [2, 3],
    [3, 5],
    [9, 9],
  ] as const) {
    v.push(await vector(`shares ${t}-of-${n}`, "shares", { rootKey: K, registrationId: RID, threshold: t, realmCount: n }, b));
  }
  v.push(await vector("shares 2-of-3, another root key", "shares", { rootKey: K2, registrationId: RID, threshold: 2, realmCount: 3 }, b));
  for (const [t, n] of [
    [2, 3],
    [3, 5],
    [4, 9],
  ] as const)
    v.push(await vector(`Lagrange at 0, every ${t}-subset of ${n}`, "lagrange", { threshold: t, realmCount: n }, b));
  return v;
}

async function derive(b: CryptoBackend): Promise<ThresholdVector[]> {
  const v: ThresholdVector[] = [];
  const salt = seq(32, 0x10);
  const tiny = { memoryKiB: 8, iterations: 1, parallelism: 1 };
  const st = await vector("Argon2id, test parameters", "stretch", { password: "correct horse battery staple", salt, ksf: tiny }, b);
  v.push(st);
  v.push(
    await vector(
      "Argon2id, NFD password normalised to NFC",
      "stretch",
      { password: "cafe\u0301", salt, ksf: { memoryKiB: 64, iterations: 2, parallelism: 2 } },
      b,
    ),
  );
  const S = (st.output as { stretched: string }).stretched;
  v.push(await vector("OPRF input", "input", { accountId: ACCT, stretched: S }, b));
  v.push(await vector("OPRF input, non-ASCII account", "input", { accountId: "ünïcødé-👤", stretched: S }, b));
  const sh = (await computeVector({ op: "shares", rootKey: K, registrationId: RID, threshold: 2, realmCount: 3 }, b)).output as {
    shares: { index: number; wrapShare: string }[];
    wrapCoefficients: string[];
  };
  const O = toHex(seededSource("oprf output")(64));
  const realms = sh.shares.map((s) => ({ realmId: REALM_IDS[s.index - 1]!, index: s.index, wrapShare: s.wrapShare }));
  const keyIn = { oprfOutput: O, registrationId: RID, accountId: ACCT, version: 1, realms, wrapSecret: sh.wrapCoefficients[0]! };
  const keys = await vector("unlock key, tags, check, wrap key (2-of-3, version 1)", "keys", keyIn, b);
  v.push(keys);
  v.push(await vector("unlock key, tags, check, wrap key (version 7)", "keys", { ...keyIn, version: 7 }, b));
  const wrapIn = { rootKey: K, oprfOutput: O, wrapSecret: sh.wrapCoefficients[0]!, registrationId: RID, accountId: ACCT, version: 1, nonce: seq(12, 0xc0) };
  const w = await vector("wrapped root key E", "wrap", wrapIn, b);
  v.push(w);
  const E = (w.output as { wrappedRootKey: string }).wrappedRootKey;
  const openIn = { wrappedRootKey: E, oprfOutput: O, wrapSecret: sh.wrapCoefficients[0]!, registrationId: RID, accountId: ACCT, version: 1 };
  v.push(await vector("open E", "open-wrapped", openIn, b));
  v.push(await vector("open E with one bit flipped in the ciphertext", "open-wrapped", { ...openIn, wrappedRootKey: flip(E, 30) }, b));
  v.push(await vector("open E with a flipped nonce", "open-wrapped", { ...openIn, wrappedRootKey: flip(E, 0) }, b));
  v.push(await vector("open E for another version (AAD)", "open-wrapped", { ...openIn, version: 2 }, b));
  v.push(await vector("open E with a wrong wrap secret", "open-wrapped", { ...openIn, wrapSecret: sh.wrapCoefficients[1]! }, b));
  const k = keys.output as { unlockKey: string; shareTags: string[] };
  const tagIn = { unlockKey: k.unlockKey, realmId: REALM_IDS[0]!, index: 1, wrapShare: sh.shares[0]!.wrapShare, version: 1, shareTag: k.shareTags[0]! };
  v.push(await vector("share tag of realm 1 verifies", "check-share-tag", tagIn, b));
  v.push(await vector("wrong share: realm 1 returns realm 2's share", "check-share-tag", { ...tagIn, wrapShare: sh.shares[1]!.wrapShare }, b));
  v.push(await vector("wrong share: index claimed as 2", "check-share-tag", { ...tagIn, index: 2 }, b));
  return v;
}

async function oprf(b: CryptoBackend): Promise<ThresholdVector[]> {
  const v: ThresholdVector[] = [];
  const I = (await computeVector({ op: "input", accountId: ACCT, stretched: seq(32, 0x77) }, b)).output!.oprfInput as string;
  for (const [t, n] of [
    [2, 3],
    [3, 5],
    [1, 1],
  ] as const) {
    v.push(
      await vector(
        `threshold OPRF ${t}-of-${n}: every ${t}-subset combines to VOPRF-Evaluate(k, I)`,
        "threshold-oprf",
        {
          rootKey: K,
          registrationId: RID,
          threshold: t,
          realmCount: n,
          oprfInput: I,
          blindSeed: "blind",
          proofSeed: "proof",
        },
        b,
      ),
    );
  }
  const o = v[0]!.output as { output: string; blind: string; blinded: string; evaluations: { index: number; evaluated: string; proof: string }[] };
  const sh = (await computeVector({ op: "shares", rootKey: K, registrationId: RID, threshold: 2, realmCount: 3 }, b)).output as {
    shares: { oprfPublicShare: string }[];
  };
  const e1 = o.evaluations[0]!;
  const proofIn = {
    oprfInput: I,
    blind: o.blind,
    blinded: o.blinded,
    evaluated: e1.evaluated,
    oprfPublicShare: sh.shares[0]!.oprfPublicShare,
    proof: e1.proof,
  };
  v.push(await vector("realm 1's proof verifies against Y_1", "verify-proof", proofIn, b));
  v.push(await vector("bad proof: realm 1's proof against Y_2", "verify-proof", { ...proofIn, oprfPublicShare: sh.shares[1]!.oprfPublicShare }, b));
  v.push(await vector("bad proof: realm 2's evaluation with realm 1's proof", "verify-proof", { ...proofIn, evaluated: o.evaluations[1]!.evaluated }, b));
  const other = ristretto255_oprf.voprf.deriveKeyPair(fromHex(seq(32, 1)), new Uint8Array(0));
  const forged = ristretto255_oprf.voprf.blindEvaluate(other.secretKey, other.publicKey, fromHex(o.blinded), seededSource("forged"));
  v.push(
    await vector("bad proof: a proof made with another key", "verify-proof", { ...proofIn, evaluated: toHex(forged.evaluated), proof: toHex(forged.proof) }, b),
  );
  // The unlock check: compute it from the true output, then combine good and bad evaluations.
  const keysOut = (
    await computeVector(
      { op: "keys", oprfOutput: o.output, registrationId: RID, accountId: ACCT, version: 1, realms: [], wrapSecret: toHex(new Uint8Array(32)) },
      b,
    )
  ).output as { unlockCheck: string };
  const checkIn = { oprfInput: I, blind: o.blind, registrationId: RID, accountId: ACCT, version: 1, unlockCheck: keysOut.unlockCheck };
  v.push(await vector("combine realms 1 and 3, unlock check matches", "combine-check", { ...checkIn, evaluations: [o.evaluations[0], o.evaluations[2]] }, b));
  v.push(
    await vector(
      "combine with a lying realm (its own key, valid proof for a false public share)",
      "combine-check",
      {
        ...checkIn,
        evaluations: [o.evaluations[0], { index: 3, evaluated: toHex(forged.evaluated) }],
      },
      b,
    ),
  );
  v.push(
    await vector(
      "combine with wrong indexes (realm 3's evaluation labelled 2)",
      "combine-check",
      { ...checkIn, evaluations: [o.evaluations[0], { ...o.evaluations[2]!, index: 2 }] },
      b,
    ),
  );
  v.push(await vector("one share alone does not give the output", "combine-check", { ...checkIn, evaluations: [o.evaluations[0]] }, b));
  return v;
}

async function signatures(b: CryptoBackend): Promise<ThresholdVector[]> {
  const v: ThresholdVector[] = [];
  const digest = seq(32, 0xd0);
  const h = await vector("head signature, sequence 1", "head", { rootKey: K, accountId: ACCT, sequence: 1, digest }, b);
  v.push(h);
  v.push(await vector("head signature, sequence 2^40, 64-byte digest", "head", { rootKey: K, accountId: ACCT, sequence: 2 ** 40, digest: seq(64, 3) }, b));
  const ho = h.output as { headPublicKey: string; signature: string };
  const vh = { headPublicKey: ho.headPublicKey, accountId: ACCT, sequence: 1, digest, signature: ho.signature };
  v.push(await vector("head signature verifies", "verify-head", vh, b));
  v.push(await vector("head signature for another sequence", "verify-head", { ...vh, sequence: 2 }, b));
  v.push(await vector("head signature for another account", "verify-head", { ...vh, accountId: "bob@example.test" }, b));
  v.push(
    await vector(
      "head signature under another root key",
      "verify-head",
      { ...vh, headPublicKey: (await computeVector({ op: "head", rootKey: K2, accountId: ACCT, sequence: 1, digest }, b)).output!.headPublicKey },
      b,
    ),
  );
  const target = { version: 1, registrationId: "oKGio6SlpqeoqaqrrK2urw" };
  const base = { rootKey: K, realmId: REALM_IDS[0]!, accountId: ACCT, target, issuedAt: 1_800_000_000_000 };
  for (const op of ["commit", "abort", "delete"]) v.push(await vector(`admin ${op}`, "admin", { ...base, adminOp: op }, b));
  const registration = {
    version: 2,
    registrationId: "AAECAwQFBgcICQoLDA0ODw",
    shareIndex: 1,
    threshold: 2,
    realmCount: 3,
    realmId: "EBESExQVFhcYGRobHB0eHw",
    salt: "x".repeat(43),
    ksf: { memoryKiB: 65536, iterations: 3, parallelism: 4 },
    oprfKeyShare: "A".repeat(43),
    oprfPublicShare: "B".repeat(43),
    unlockTag: "C".repeat(43),
    unlockCheck: "D".repeat(43),
    wrapShare: "E".repeat(43),
    shareTag: "F".repeat(43),
    wrappedRootKey: "G".repeat(80),
    headPublicKey: "H".repeat(43),
    adminPublicKey: "I".repeat(43),
  };
  const prep = await vector("admin prepare with a registration (canonical JSON sorts keys)", "admin", { ...base, adminOp: "prepare", registration }, b);
  v.push(prep);
  const po = prep.output as { adminPublicKey: string; signature: string };
  const va = { ...base, adminOp: "prepare", registration, adminPublicKey: po.adminPublicKey, signature: po.signature };
  delete (va as Partial<typeof va>).rootKey;
  v.push(await vector("admin signature verifies", "verify-admin", va, b));
  v.push(await vector("admin signature, registration changed", "verify-admin", { ...va, registration: { ...registration, version: 3 } }, b));
  v.push(await vector("admin signature, another op", "verify-admin", { ...va, adminOp: "repair" }, b));
  v.push(await vector("admin signature, replayed at another realm", "verify-admin", { ...va, realmId: REALM_IDS[1]! }, b));
  v.push(await vector("admin signature, other issuedAt", "verify-admin", { ...va, issuedAt: base.issuedAt + 1 }, b));
  return v;
}

/** 32 seeded bytes made a canonical non-zero scalar (top bits cleared). */
function scalarBytes(x: Uint8Array): Uint8Array {
  x[31]! &= 0x0f;
  x[0]! |= 1;
  return x;
}

/** §2.2, §5.3.1 (v3): `/info` and `recover/start` answers, valid and malformed, as the client parses them. */
async function messages(b: CryptoBackend): Promise<ThresholdVector[]> {
  const rnd = seededSource("threshold-messages");
  const b64 = (n: number) => toBase64Url(rnd(n));
  const realmId = b64(16);
  const info = {
    version: 3,
    registrationId: b64(16),
    shareIndex: 2,
    threshold: 2,
    realmCount: 3,
    salt: b64(32),
    ksf: { memoryKiB: 65536, iterations: 3, parallelism: 4 },
    oprfPublicShare: toBase64Url(ristretto255.Point.BASE.multiply(ristretto255.Point.Fn.fromBytes(scalarBytes(rnd(32)))).toBytes()),
    headPublicKey: b64(32),
    adminPublicKey: b64(32),
  };
  const policy = { maxAttempts: 5, lockBaseMs: 3_600_000, lockFactor: 4, lockCapMs: 604_800_000, failureBudget: 20 };
  const record = { state: "active", current: info, next: null, attemptsRemaining: 5, lockedUntil: null, policy };
  const none = { state: "none", current: null, next: null, attemptsRemaining: 5, lockedUntil: null, policy };
  const evaluation = { attemptId: b64(16), evaluated: info.oprfPublicShare, unlockCheck: b64(32), attemptsRemaining: 4, lockedUntil: null };
  const v: ThresholdVector[] = [];
  const v2 = "chatvault-realm/2";
  const v3 = "chatvault-realm/3";
  v.push(await vector("info of a v2 realm", "parse-info", { body: { protocol: v2, realmId } }, b));
  v.push(await vector("info of a v3 realm", "parse-info", { body: { protocol: v2, realmId, versions: [v2, v3] } }, b));
  v.push(await vector("info: versions without chatvault-realm/2", "parse-info", { body: { protocol: v2, realmId, versions: [v3] } }, b));
  v.push(await vector("info: versions not a list", "parse-info", { body: { protocol: v2, realmId, versions: v3 } }, b));
  v.push(await vector("info: versions empty", "parse-info", { body: { protocol: v2, realmId, versions: [] } }, b));
  v.push(await vector("info: protocol named v3 (a v3 realm keeps the v2 name)", "parse-info", { body: { protocol: v3, realmId, versions: [v2, v3] } }, b));
  v.push(await vector("start: record and a counted evaluation", "parse-start", { body: { record, evaluation } }, b));
  v.push(await vector("start: record alone (stale, next held, locked)", "parse-start", { body: { record, evaluation: null } }, b));
  v.push(await vector("start: unknown account, record alone", "parse-start", { body: { record: none, evaluation: null } }, b));
  v.push(await vector("start: an evaluation beside a record in state none", "parse-start", { body: { record: none, evaluation } }, b));
  v.push(await vector("start: evaluation field missing", "parse-start", { body: { record } }, b));
  v.push(await vector("start: evaluation of a wrong size", "parse-start", { body: { record, evaluation: { ...evaluation, evaluated: b64(31) } } }, b));
  v.push(await vector("start: record missing", "parse-start", { body: { evaluation } }, b));
  return v;
}

const DESCRIPTIONS: Record<ThresholdVectorFile, [string, (b: CryptoBackend) => Promise<ThresholdVector[]>]> = {
  "threshold-sharing": ["§3.3–3.4: polynomial coefficients and shares from fixed K and rid; Lagrange coefficients at 0 for every t-subset", sharing],
  "threshold-derive": ["§3.1–3.6: Argon2id, OPRF input, unlock key, tags, check, wrap key, E with a fixed nonce; tampered E and wrong shares", derive],
  "threshold-oprf": ["§6.3: threshold VOPRF with a seeded blind and proofs; every t-subset's combination and output; bad proofs and lying realms", oprf],
  "threshold-signatures": ["§3.7, §5.6, §5.7: head and admin Ed25519 signatures; signatures over other data", signatures],
  "threshold-messages": ["§2.2, §5.3.1 (chatvault-realm/3): /info and recover/start answers, valid and malformed, as the client parses them", messages],
};

export async function generateThresholdVectors(backend: CryptoBackend = webCryptoBackend()): Promise<Record<ThresholdVectorFile, string>> {
  const out = {} as Record<ThresholdVectorFile, string>;
  for (const f of THRESHOLD_VECTOR_FILES) {
    const [description, make] = DESCRIPTIONS[f];
    out[f] = `${JSON.stringify({ file: f, spec: "spec/threshold-vault.md", description, vectors: await make(backend) }, null, 2)}\n`;
  }
  return out;
}

export const thresholdVectorsDir = join(dirname(fileURLToPath(import.meta.url)), "../../../spec/vectors");

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  mkdirSync(thresholdVectorsDir, { recursive: true });
  for (const [name, text] of Object.entries(await generateThresholdVectors())) {
    writeFileSync(join(thresholdVectorsDir, `${name}.json`), text);
    console.log(`wrote spec/vectors/${name}.json`);
  }
}
