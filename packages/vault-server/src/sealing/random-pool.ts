/**
 * Random bytes for what a login draws on every request — the login ID (spec
 * §5.2) and the AES-GCM nonce of each sealed login state and record (§10.4) — taken from
 * node:crypto's CSPRNG a block at a time. `randomBytes(n)` makes a crypto job object (an
 * AsyncWrap) and enters OpenSSL's DRBG on every call; in the vault's profile the two calls
 * of a login cost more than either AES-GCM operation. Node keeps entropy ahead for
 * `randomUUID` the same way. Every byte is the CSPRNG's and is handed out once: the bytes
 * are copied out and the block's copy zeroed. Node never forks a running process (cluster
 * workers are new processes), so no two processes share a block.
 */
import { randomBytes, randomFillSync } from "node:crypto";

/** Bytes drawn from the CSPRNG at a time. */
export const RANDOM_POOL_BLOCK = 4096;
/** Larger requests go to `randomBytes` directly. */
const LARGEST_FROM_POOL = 64;

let block = Buffer.alloc(0);
let at = 0;

/** `n` bytes from the CSPRNG, each handed out once; a fresh buffer the caller owns. */
export function poolRandomBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
  if (n > LARGEST_FROM_POOL) return randomBytes(n);
  if (at + n > block.length) {
    block.fill(0);
    block = randomFillSync(Buffer.allocUnsafeSlow(RANDOM_POOL_BLOCK));
    at = 0;
  }
  const out = Buffer.allocUnsafe(n);
  block.copy(out, 0, at, at + n);
  block.fill(0, at, at + n);
  at += n;
  return out;
}
