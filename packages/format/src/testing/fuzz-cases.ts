/**
 * Fuzz properties for every parser of untrusted bytes (CONVENTIONS habit 9): STREAM
 * (header and segments, with random push splits), sealed objects, 64-digit key text and
 * key-check values. Random and mutated inputs (bit flips, truncation, insertion, deletion,
 * duplication of ranges) may only ever succeed on the untouched input or throw one of the
 * typed errors — never anything else, never hang. fuzz.test.ts runs them briefly,
 * fuzz.slow.test.ts at length.
 */
import fc from "fast-check";
import type { CryptoBackend } from "../backend.ts";
import { concatBytes, equalBytes } from "../bytes.ts";
import { IntegrityError, KeyFormatError, WrongKeyError } from "../errors.ts";
import { assertKeyCheck } from "../key-check.ts";
import { formatKey, parseKey } from "../key-codec.ts";
import { KeySchedule } from "../key-schedule.ts";
import { ObjectKind, openObject, sealObject, type ObjectContext } from "../object.ts";
import { RootKey } from "../secret.ts";
import { sealStream, StreamOpener } from "../stream.ts";
import { seededBytes, seededRandom } from "./fixtures.ts";

export interface FuzzOptions {
  backend: CryptoBackend;
  runs: number;
  /** Largest plaintext of the valid streams that get mutated. */
  maxSize: number;
  /** A single case taking longer than this fails as a hang. */
  caseTimeoutMs: number;
  seed?: number;
}

type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; len: number }
  | { op: "duplicate"; from: number; len: number; to: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ op: fc.constant("duplicate" as const), from: fc.nat(), len: fc.integer({ min: 1, max: 2100 }), to: fc.nat() }),
);
const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });
const splitsArb = fc.array(fc.nat(), { maxLength: 10 });

export function mutate(data: Uint8Array, ms: Mutation[]): Uint8Array {
  let d = data;
  for (const m of ms) {
    const at = (x: number) => (d.length === 0 ? 0 : x % (d.length + 1));
    if (m.op === "flip" && d.length > 0) {
      d = d.slice();
      d[m.at % d.length]! ^= 1 << m.bit;
    } else if (m.op === "truncate") d = d.subarray(0, at(m.at));
    else if (m.op === "insert") d = concatBytes(d.subarray(0, at(m.at)), m.bytes, d.subarray(at(m.at)));
    else if (m.op === "delete") d = concatBytes(d.subarray(0, at(m.at)), d.subarray(at(m.at) + m.len));
    else if (m.op === "duplicate") {
      const from = at(m.from);
      d = concatBytes(d.subarray(0, at(m.to)), d.subarray(from, from + m.len), d.subarray(at(m.to)));
    }
  }
  return d;
}

function pieces(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length];
  return at.slice(1).map((end, i) => data.subarray(at[i]!, end));
}

/** Fails the case if `fn` takes longer than `ms` (a hang), or throws anything but a typed error. */
async function typedOutcome<T>(what: string, ms: number, fn: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  try {
    return { ok: true, value: await Promise.race([Promise.resolve().then(fn), hang]) };
  } catch (e) {
    if (e instanceof IntegrityError || e instanceof KeyFormatError || e instanceof WrongKeyError) return { ok: false };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

const streamCtx: ObjectContext = { kind: ObjectKind.stream, id: "fuzz" };
const key = seededBytes(77, 32);

async function openPieces(backend: CryptoBackend, bytes: Uint8Array, cuts: number[]): Promise<Uint8Array> {
  const o = new StreamOpener(backend, key, streamCtx);
  const out: Uint8Array[] = [];
  for (const p of pieces(bytes, cuts)) out.push(...(await o.push(p)));
  out.push(...(await o.finish()));
  return concatBytes(...out);
}

/** Mutated valid streams and random bytes into StreamOpener, pushed in random pieces. */
export async function fuzzStreamOpener(o: FuzzOptions): Promise<void> {
  const sizes = [0, 1, 1023, 1024, 1500, o.maxSize];
  const valid = await Promise.all(
    sizes.map(async (n, i) => {
      const plaintext = seededBytes(i, n);
      return { plaintext, sealed: await sealStream(o.backend, key, streamCtx, plaintext, { segmentLog2: 10, random: seededRandom(i) }) };
    }),
  );
  const header = valid[0]!.sealed.subarray(0, 24);
  const input = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...valid), mutationsArb).map(([v, ms]) => ({ v, bytes: mutate(v.sealed, ms) })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((bytes) => ({ v: undefined, bytes })) },
    // A valid header followed by noise reaches the segment code.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((b) => ({ v: undefined, bytes: concatBytes(header, b) })) },
  );
  await fc.assert(
    fc.asyncProperty(input, splitsArb, async ({ v, bytes }, cuts) => {
      const r = await typedOutcome("StreamOpener", o.caseTimeoutMs, () => openPieces(o.backend, bytes, cuts));
      // Only the untouched stream may open, and only to its own plaintext.
      if (r.ok && !(v && equalBytes(bytes, v.sealed) && equalBytes(r.value, v.plaintext))) throw new Error("a modified stream opened");
    }),
    { numRuns: o.runs, seed: o.seed },
  );
}

/** Mutated sealed objects and random bytes into openObject. */
export async function fuzzOpenObject(o: FuzzOptions): Promise<void> {
  const ctx: ObjectContext = { kind: ObjectKind.chunk, id: seededBytes(5, 32) };
  const plaintext = seededBytes(6, 200);
  const sealed = await sealObject(o.backend, key, ctx, plaintext, seededRandom(1));
  const input = fc.oneof(
    mutationsArb.map((ms) => mutate(sealed, ms)),
    fc.uint8Array({ maxLength: 300 }),
  );
  await fc.assert(
    fc.asyncProperty(input, async (bytes) => {
      const r = await typedOutcome("openObject", o.caseTimeoutMs, () => openObject(o.backend, key, ctx, bytes));
      if (r.ok && !(equalBytes(bytes, sealed) && equalBytes(r.value, plaintext))) throw new Error("a modified object opened");
    }),
    { numRuns: o.runs, seed: o.seed },
  );
}

/** Character-level mutations of key text, and arbitrary strings, into parseKey. */
export async function fuzzParseKey(o: FuzzOptions): Promise<void> {
  const canon = formatKey(new RootKey(seededBytes(8, 32)));
  const char = fc.oneof(
    fc.constantFrom(..."0123456789abcdefABCDEF -\n\r\tgxzO_.:"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  );
  const edit = fc.oneof(
    fc.record({ at: fc.nat(), del: fc.nat(3), ins: fc.array(char, { maxLength: 3 }) }),
    fc.record({ at: fc.nat(), dup: fc.integer({ min: 1, max: 40 }) }),
  );
  const text = fc.oneof(
    fc.array(edit, { minLength: 1, maxLength: 4 }).map((es) =>
      es.reduce((s, e) => {
        const at = e.at % (s.length + 1);
        return "dup" in e ? s.slice(0, at) + s.slice(at, at + e.dup) + s.slice(at) : s.slice(0, at) + e.ins.join("") + s.slice(at + e.del);
      }, canon),
    ),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(..."0123456789abcdef -"), maxLength: 1100 }),
  );
  await fc.assert(
    fc.asyncProperty(text, async (s) => {
      const r = await typedOutcome("parseKey", o.caseTimeoutMs, () => parseKey(s));
      // Anything accepted is exactly its hex digits: separators and case are all that may vary.
      if (r.ok && formatKey(r.value).replace(/ /g, "") !== s.replace(/[ \-\n\r\t]/g, "").toLowerCase()) throw new Error(`accepted ${JSON.stringify(s)}`);
    }),
    { numRuns: o.runs, seed: o.seed },
  );
}

/** Random and mutated stored key-check values: WrongKeyError unless exactly right. */
export async function fuzzKeyCheck(o: FuzzOptions): Promise<void> {
  const keys = await KeySchedule.derive(new RootKey(seededBytes(9, 32)), o.backend);
  const input = fc.oneof(
    mutationsArb.map((ms) => mutate(keys.keyCheck, ms)),
    fc.uint8Array({ maxLength: 40 }),
  );
  await fc.assert(
    fc.asyncProperty(input, async (stored) => {
      const r = await typedOutcome("assertKeyCheck", o.caseTimeoutMs, () => assertKeyCheck(keys, stored));
      if (r.ok !== equalBytes(stored, keys.keyCheck)) throw new Error("key-check verdict is wrong");
    }),
    { numRuns: o.runs, seed: o.seed },
  );
}
