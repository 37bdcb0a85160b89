/**
 * The password-stretching function of a realm registration (spec/threshold-vault.md §3.1):
 * S = Argon2id(UTF-8(NFC(P)), salt, m, t, p) → 32 bytes, version 0x13, no secret, no AD.
 * hash-wasm by default (browsers and Node; @noble/hashes at test-sized memory costs); injectable so a Node app may pass a native
 * Argon2id — it MUST give the same bytes (ksf.test.ts checks an injected one against the default).
 */
import { argon2id as nobleArgon2id } from "@noble/hashes/argon2.js";
import { argon2id } from "hash-wasm";
import { keyStretchingProblem } from "../key-stretching.ts";
import type { KeyStretching } from "../wire.ts";

export type { KeyStretching };

/** One Argon2id call: password bytes, 32-byte salt, parameters → `length` bytes. */
export type Argon2idFunction = (input: {
  password: Uint8Array;
  salt: Uint8Array;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  length: number;
}) => Promise<Uint8Array>;

export const STRETCHED_PASSWORD_BYTES = 32;
export const REALM_SALT_BYTES = 32;

/** Default Argon2id: hash-wasm (WASM inlined, runs in Chromium and Node). */
export const hashWasmArgon2id: Argon2idFunction = async (i) =>
  argon2id({
    password: i.password,
    salt: i.salt,
    memorySize: i.memoryKiB,
    iterations: i.iterations,
    parallelism: i.parallelism,
    hashLength: i.length,
    outputType: "binary",
  });

/**
 * Below this memory cost the pure-JS Argon2id of @noble/hashes (already a dependency) is used
 * instead of hash-wasm. hash-wasm instantiates five fresh WebAssembly modules, each with its own
 * memory, on every call; at test-sized costs (8 KiB) that fixed overhead is most of the work and
 * the discarded memories make V8 run a full mark-compact every few calls (measured in the realms
 * bench: ~4 ms of client CPU per unlock, docs/performance.md). At 64 KiB hash-wasm is already
 * ~2× faster; at the default 64 MiB nothing changes. Same bytes (RFC 9106): ksf.test.ts.
 */
export const SMALL_ARGON2_MAX_KIB = 32;

/** Default Argon2id: @noble/hashes for memory ≤ SMALL_ARGON2_MAX_KIB (test-only costs, §3.1), else hash-wasm. */
export const defaultArgon2id: Argon2idFunction = async (i) =>
  i.memoryKiB <= SMALL_ARGON2_MAX_KIB
    ? nobleArgon2id(i.password, i.salt, { m: i.memoryKiB, t: i.iterations, p: i.parallelism, dkLen: i.length })
    : hashWasmArgon2id(i);

/** Stretch the (already NFC-normalised, UTF-8 encoded) password under a registration's salt and KSF. */
export async function stretchPassword(
  password: Uint8Array,
  salt: Uint8Array,
  ksf: KeyStretching,
  argon2: Argon2idFunction = defaultArgon2id,
): Promise<Uint8Array> {
  if (!(password instanceof Uint8Array) || password.length === 0) throw new TypeError("password must be non-empty bytes");
  if (!(salt instanceof Uint8Array) || salt.length !== REALM_SALT_BYTES) throw new TypeError(`salt must be ${REALM_SALT_BYTES} bytes`);
  const problem = keyStretchingProblem(ksf);
  if (problem) throw new RangeError(problem);
  const out = await argon2({
    password,
    salt,
    memoryKiB: ksf.memoryKiB,
    iterations: ksf.iterations,
    parallelism: ksf.parallelism,
    length: STRETCHED_PASSWORD_BYTES,
  });
  if (!(out instanceof Uint8Array) || out.length !== STRETCHED_PASSWORD_BYTES) throw new TypeError("the Argon2id function returned the wrong length");
  return out;
}
