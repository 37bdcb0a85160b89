/** Helpers shared by the conformance cases. */
import assert from "node:assert/strict";
import type { ObjectInfo, Storage } from "../types.ts";

/** Options that let a slow backend keep the suite fast. */
export interface ConformanceOptions {
  /** Size of the "multi-MiB" object (default 5 MiB + 7 bytes). */
  largeSize?: number;
  /** Objects in the "many objects" listing test (default 1050: more than one S3 page of 1000). */
  manyCount?: number;
  /** Puts in flight at once when filling the storage (default 32). */
  fillConcurrency?: number;
}

/** One contract check. */
export interface ConformanceCase {
  title: string;
  run(storage: Storage, options: Required<ConformanceOptions>): Promise<void>;
}

/**
 * Deterministic, incompressible-looking bytes (xorshift32). Deterministic so a failure is
 * reproducible; varied so a backend that truncates, reorders or mixes objects is caught.
 */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Every value of a listing, as an array sorted by name. */
export async function collect(list: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of list) out.push(info);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Names of a listing, sorted. */
export async function names(storage: Storage, prefix: string): Promise<string[]> {
  return (await collect(storage.list(prefix))).map((i) => i.name);
}

/** Asserts that `promise` rejects with a storage error of the given `code` (and class name). */
export async function rejectsWith(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => {
      assert.equal((error as { code?: unknown }).code, code, `${what}: expected code ${code}, got ${String(error)}`);
      return true;
    },
    what,
  );
}

/** Byte-equality with a short message (assert.deepEqual on MiB arrays prints MiB). */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: not a Uint8Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: first difference at byte ${i}`);
  }
}

/** Runs `jobs` with at most `limit` in flight. */
export async function inParallel(count: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
