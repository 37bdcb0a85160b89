/**
 * OPAQUE's key-stretching function (KSF), spec/vault-protocol.md §3.2.
 * The vault records which Argon2id parameters a record was registered with and tells
 * the client at login start; the client refuses anything weaker than its floor.
 */
import type { KeyStretching } from "./wire.ts";

/** Default KSF: Argon2id, 64 MiB, 3 passes, 4 lanes (= @serenity-kit/opaque "memory-constrained"). */
export const DEFAULT_KEY_STRETCHING: Readonly<KeyStretching> = Object.freeze({
  algorithm: "argon2id",
  memoryKiB: 65536,
  iterations: 3,
  parallelism: 4,
});

/**
 * TEST ONLY: a deliberately cheap KSF (Argon2id, 8 KiB, 1 pass) that makes a login
 * take about a millisecond. Both the client (`keyStretching` option) and the server
 * (`allowWeakKeyStretching`) must opt in explicitly; never use it for real passwords.
 */
export const TEST_ONLY_WEAK_KEY_STRETCHING: Readonly<KeyStretching> = Object.freeze({
  algorithm: "argon2id",
  memoryKiB: 8,
  iterations: 1,
  parallelism: 1,
});

/** Bounds a KSF on the wire must satisfy before it is even considered (spec §3.2). */
export const KEY_STRETCHING_LIMITS = {
  memoryKiB: { min: 8, max: 4 * 1024 * 1024 },
  iterations: { min: 1, max: 64 },
  parallelism: { min: 1, max: 16 },
} as const;

/** True when `k` is at least as strong as the default in every parameter (memory, passes). */
export function meetsDefaultStrength(k: KeyStretching): boolean {
  return k.memoryKiB >= DEFAULT_KEY_STRETCHING.memoryKiB && k.iterations >= DEFAULT_KEY_STRETCHING.iterations;
}

/** Structural check of an untrusted KSF description; returns a reason or `null` when valid. */
export function keyStretchingProblem(k: unknown): string | null {
  if (!k || typeof k !== "object") return "keyStretching must be an object";
  const o = k as Record<string, unknown>;
  if (o.algorithm !== "argon2id") return 'keyStretching.algorithm must be "argon2id"';
  for (const f of ["memoryKiB", "iterations", "parallelism"] as const) {
    const v = o[f];
    const lim = KEY_STRETCHING_LIMITS[f];
    if (typeof v !== "number" || !Number.isInteger(v) || v < lim.min || v > lim.max) {
      return `keyStretching.${f} must be an integer in [${lim.min}, ${lim.max}]`;
    }
  }
  if ((o.memoryKiB as number) < 8 * (o.parallelism as number)) return "keyStretching.memoryKiB must be at least 8 × parallelism";
  return null;
}

/** The configuration object @serenity-kit/opaque expects. */
export function toOpaqueKeyStretching(k: KeyStretching): { "argon2id-custom": { iterations: number; memory: number; parallelism: number } } {
  return { "argon2id-custom": { iterations: k.iterations, memory: k.memoryKiB, parallelism: k.parallelism } };
}

export function sameKeyStretching(a: KeyStretching, b: KeyStretching): boolean {
  return a.algorithm === b.algorithm && a.memoryKiB === b.memoryKiB && a.iterations === b.iterations && a.parallelism === b.parallelism;
}
