/**
 * TEST ONLY: the offline dictionary attacker of spec/threshold-vault.md §11 (one realm's
 * data must not test a password). Given everything some realms store for an account (their
 * Registrations: k_i, z_i, unlockTag_i, shareTag_i, unlockCheck, E, salt, KSF) and a
 * dictionary, it tries every candidate with every strategy available without the other
 * realms, and returns every candidate that VERIFIES against something the realms hold. With
 * fewer than t realms' data it must return nothing; with t realms' data it must find the
 * password (the positive control that proves the attacker can succeed). Exported for the
 * realm server's tests, which feed it data read from real realm databases and key files.
 */
import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { getDefaultBackend, utf8, type CryptoBackend } from "@chatvault/format";
import { constantTimeEqual } from "../bytes.ts";
import { fieldBytes } from "../codecs.ts";
import { deriveUnlockKey, oprfInput, shareTag, unlockCheck, unlockTag, voprfEvaluate } from "../derive.ts";
import { hashWasmArgon2id, stretchPassword, type Argon2idFunction } from "../ksf.ts";
import { openWrappedRootKey } from "../registration.ts";
import { Fn, interpolateScalar, scalarFromBytes, scalarToBytes, subsetsOf } from "../shamir.ts";
import type { Registration } from "../wire.ts";

/** What one realm holds for the account (one or two registrations: current and next). */
export interface RealmLoot {
  realmId: string;
  registrations: Registration[];
}

export interface AttackHit {
  password: string;
  version: number;
  strategy: string;
  /** What verified: unlockCheck, unlockTag, shareTag, or E opened. */
  test: "unlockCheck" | "unlockTag" | "shareTag" | "wrappedRootKey";
}

export interface AttackOptions {
  accountId: string;
  dictionary: readonly string[];
  argon2?: Argon2idFunction;
  backend?: CryptoBackend;
}

export interface AttackReport {
  hits: AttackHit[];
  /** Candidate × strategy combinations tried. */
  trials: number;
}

/** RFC 9497 base-mode Evaluate (shipped by @noble/curves at runtime; its types omit it). */
const baseOprfEvaluate = (sk: Uint8Array, input: Uint8Array): Uint8Array =>
  (ristretto255_oprf.oprf as unknown as { evaluate(k: Uint8Array, i: Uint8Array): Uint8Array }).evaluate(sk, input);

/** Made-up values an attacker may put in place of the shares it lacks. */
const MADE_UP: readonly bigint[] = [0n, 1n, 2n, Fn.create(-1n)];

interface Held {
  index: number;
  realmId: Uint8Array;
  k: bigint;
  z: bigint;
  reg: Registration;
}

/** Every guess of (k', z') the attacker can form from its held shares, named. */
function keyGuesses(held: Held[], t: number): { name: string; k: bigint; z: bigint }[] {
  const out: { name: string; k: bigint; z: bigint }[] = [];
  for (const h of held) out.push({ name: `share ${h.index} used as the key`, k: h.k, z: h.z });
  for (let m = 2; m <= held.length; m++) {
    for (const sub of subsetsOf(held, m)) {
      out.push({
        name: `Lagrange over held shares {${sub.map((h) => h.index)}}`,
        k: interpolateScalar(sub.map((h) => ({ index: h.index, share: h.k }))),
        z: interpolateScalar(sub.map((h) => ({ index: h.index, share: h.z }))),
      });
    }
  }
  // Complete the held shares to t with made-up shares at the missing indexes.
  const missing = [...Array(9).keys()].map((i) => i + 1).filter((i) => !held.some((h) => h.index === i));
  if (held.length < t) {
    for (const fake of MADE_UP) {
      const extra = missing.slice(0, t - held.length).map((index) => ({ index, share: fake }));
      out.push({
        name: `held shares + made-up ${fake === 0n ? "0" : fake === 1n ? "1" : fake === 2n ? "2" : "-1"} at {${extra.map((e) => e.index)}}`,
        k: interpolateScalar([...held.map((h) => ({ index: h.index, share: h.k })), ...extra]),
        z: interpolateScalar([...held.map((h) => ({ index: h.index, share: h.z })), ...extra]),
      });
    }
  }
  return out.filter((g) => g.k !== 0n);
}

export async function offlineAttack(loot: readonly RealmLoot[], options: AttackOptions): Promise<AttackReport> {
  const backend = options.backend ?? getDefaultBackend();
  const argon2 = options.argon2 ?? hashWasmArgon2id;
  const acct = options.accountId;
  const hits: AttackHit[] = [];
  let trials = 0;
  // Group what the realms hold by registration (version, rid).
  const byReg = new Map<string, Held[]>();
  for (const realm of loot) {
    for (const reg of realm.registrations) {
      const key = `${reg.version}/${reg.registrationId}`;
      byReg.set(key, [
        ...(byReg.get(key) ?? []),
        {
          index: reg.shareIndex,
          realmId: fieldBytes(reg.realmId, "realmId"),
          reg,
          k: scalarFromBytes(fieldBytes(reg.oprfKeyShare, "oprfKeyShare")),
          z: scalarFromBytes(fieldBytes(reg.wrapShare, "wrapShare")),
        },
      ]);
    }
  }
  for (const held of byReg.values()) {
    const reg = held[0]!.reg;
    const rid = fieldBytes(reg.registrationId, "registrationId");
    const salt = fieldBytes(reg.salt, "salt");
    const E = fieldBytes(reg.wrappedRootKey, "wrappedRootKey");
    const params = { accountId: acct, registrationId: rid, version: reg.version };
    const guesses = keyGuesses(
      held.sort((a, b) => a.index - b.index),
      reg.threshold,
    );
    for (const password of options.dictionary) {
      const S = await stretchPassword(utf8(password.normalize("NFC")), salt, { algorithm: "argon2id", ...reg.ksf }, argon2);
      const I = oprfInput(acct, S);
      // Each key guess in VOPRF mode (what the protocol uses) and in base OPRF mode (a mode mix-up).
      for (const g of guesses.flatMap((x) => [
        { ...x, mode: "voprf" as const },
        { ...x, mode: "oprf" as const },
      ])) {
        trials++;
        const sk = scalarToBytes(g.k);
        const O = g.mode === "voprf" ? voprfEvaluate(sk, I) : baseOprfEvaluate(sk, I);
        const uk = deriveUnlockKey(O, rid);
        const hit = (test: AttackHit["test"]) => hits.push({ password, version: reg.version, strategy: `${g.name} (${g.mode})`, test });
        if (constantTimeEqual(unlockCheck(uk, acct, reg.version), fieldBytes(reg.unlockCheck, "unlockCheck"))) hit("unlockCheck");
        for (const h of held) {
          if (constantTimeEqual(unlockTag(uk, h.realmId, acct, reg.version), fieldBytes(h.reg.unlockTag, "unlockTag"))) hit("unlockTag");
          const zi = fieldBytes(h.reg.wrapShare, "wrapShare");
          if (constantTimeEqual(shareTag(uk, h.realmId, h.index, zi, reg.version), fieldBytes(h.reg.shareTag, "shareTag"))) hit("shareTag");
        }
        if (await openWrappedRootKey(E, O, g.z, params, backend)) hit("wrappedRootKey");
      }
    }
  }
  return { hits, trials };
}

/** The ~50-word dictionary of the offline-attack tests. */
export const ATTACK_DICTIONARY: readonly string[] = [
  "password",
  "123456",
  "qwerty",
  "letmein",
  "dragon",
  "monkey",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "welcome",
  "shadow",
  "master",
  "superman",
  "michael",
  "jennifer",
  "trustno1",
  "iloveyou",
  "starwars",
  "whatever",
  "correct horse",
  "battery staple",
  "hunter2",
  "opensesame",
  "zaq12wsx",
  "passw0rd",
  "chatvault",
  "backup",
  "secret",
  "summer2026",
  "winter2026",
  "autumn",
  "spring",
  "coffee",
  "cookie",
  "banana",
  "orange",
  "purple",
  "silver",
  "golden",
  "tigger",
  "pepper",
  "ginger",
  "hello123",
  "abc123",
  "freedom",
  "ninja",
  "mustang",
  "access",
  "flower",
];
