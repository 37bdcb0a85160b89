/**
 * A native Argon2id for Node clients of the threshold vault (spec/threshold-vault.md §3.1):
 * `@node-rs/argon2` (the RustCrypto `argon2` crate behind N-API, prebuilt binaries from the
 * npm registry). It gives the same bytes as the browser-safe default (`defaultArgon2id`;
 * argon2.test.ts checks it across parameters) and runs off the event loop on libuv's pool.
 * Measured in Node 20 on the bench machine (docs/performance.md, "Threshold realms, round 4"):
 * ~50 µs of CPU at the bench's test-only 8 KiB cost against ~400 µs for the pure-JS Argon2id
 * the default uses there, and 360 ms against hash-wasm's 520–660 ms at the default cost
 * (64 MiB, t = 3, p = 4) — what a user waits for at every unlock.
 *
 * The addon is loaded when first called (its load costs CPU that `--help` should not pay);
 * where no prebuilt binary exists for the platform, the browser-safe default is used.
 */
import { createRequire } from "node:module";
import { defaultArgon2id, type Argon2idFunction } from "../threshold/ksf.ts";

type NativeArgon2 = typeof import("@node-rs/argon2");
type Options = NonNullable<Parameters<NativeArgon2["hashRaw"]>[1]>;

// The addon's enums are declared `const enum` (no runtime object): their values, from its index.d.ts.
const ARGON2ID = 2 as NonNullable<Options["algorithm"]>;
const V0X13 = 1 as NonNullable<Options["version"]>;

let native: NativeArgon2 | null | undefined;

function load(): NativeArgon2 | null {
  if (native !== undefined) return native;
  try {
    native = createRequire(import.meta.url)("@node-rs/argon2") as NativeArgon2;
  } catch {
    native = null; // no binary for this platform: the browser-safe default below
  }
  return native;
}

/** Argon2id (version 0x13) natively, else `defaultArgon2id`; the same bytes either way. */
export const nativeArgon2id: Argon2idFunction = async (i) => {
  const n = load();
  if (!n) return defaultArgon2id(i);
  const out = await n.hashRaw(i.password, {
    algorithm: ARGON2ID,
    version: V0X13,
    salt: i.salt,
    memoryCost: i.memoryKiB,
    timeCost: i.iterations,
    parallelism: i.parallelism,
    outputLen: i.length,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

/** True when the native addon loaded (for diagnostics and tests). */
export function hasNativeArgon2id(): boolean {
  return load() !== null;
}
