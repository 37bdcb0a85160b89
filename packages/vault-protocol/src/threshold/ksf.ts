/**
 * The password-stretching function of a realm registration (spec/threshold-vault.md §3.1):
 * S = Argon2id(UTF-8(NFC(P)), salt, m, t, p) → 32 bytes, version 0x13, no secret, no AD.
 * hash-wasm by default (browsers and Node); injectable so a Node app may pass a native
 * Argon2id — it MUST give the same bytes (ksf.test.ts checks an injected one against the default).
 */
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

/** Stretch the (already NFC-normalised, UTF-8 encoded) password under a registration's salt and KSF. */
export async function stretchPassword(
  password: Uint8Array,
  salt: Uint8Array,
  ksf: KeyStretching,
  argon2: Argon2idFunction = hashWasmArgon2id,
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
