/**
 * Runs the test vectors of spec/vectors/*.json (spec/backup-format.md "Test vectors")
 * against a CryptoBackend and reports one result per vector. Browser-safe: it imports
 * nothing from Node, so the same module runs under node:test and inside Chromium.
 */
import type { CryptoBackend } from "../backend.ts";
import { concatBytes, fromHex, toHex, utf8 } from "../bytes.ts";
import { Chunker, type ChunkerParams } from "../chunker.ts";
import { IntegrityError, KeyFormatError, WrongKeyError } from "../errors.ts";
import { configMac, type ConfigMacFields, type ConfigVersion, verifyConfigMac } from "../config-mac.ts";
import { assertKeyCheck } from "../key-check.ts";
import { formatKey, parseKey } from "../key-codec.ts";
import { chunkId, gearTable, KeySchedule } from "../key-schedule.ts";
import { LABELS, ROOT_SALT } from "../labels.ts";
import { openObject, sealObject, type ObjectContext, type ObjectKindValue } from "../object.ts";
import { RootKey, Secret } from "../secret.ts";
import { StreamOpener, StreamSealer } from "../stream.ts";
import { fixedRandom } from "../testing/fixtures.ts";

export const VECTOR_FILES = ["key-codec", "key-schedule", "object", "stream", "chunker", "config"] as const;
export type VectorFileName = (typeof VECTOR_FILES)[number];

/** A failure outcome; `reason` / `message` are compared only when the vector gives them. */
export interface Failure {
  error: "integrity" | "key_format" | "wrong_key" | "invalid_params" | "unexpected";
  reason?: string;
  message?: string;
}
export type Expected = "success" | Failure;

export interface Vector {
  name: string;
  expected: Expected;
  [field: string]: unknown;
}

export interface VectorFile {
  file: VectorFileName;
  spec: string;
  description: string;
  vectors: Vector[];
}

export type VectorSet = Record<VectorFileName, VectorFile>;

export interface VectorResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Maps a thrown error to the vectors' outcome vocabulary. */
export function outcomeOf(e: unknown): Failure {
  if (e instanceof IntegrityError) return { error: "integrity", reason: e.reason };
  if (e instanceof KeyFormatError) return { error: "key_format", message: e.message };
  if (e instanceof WrongKeyError) return { error: "wrong_key" };
  if (e instanceof RangeError) return { error: "invalid_params", message: e.message };
  return { error: "unexpected", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

/** Input expansion used by large vectors: AES-256-GCM keystream (tag dropped) under SHA-256(seed), zero nonce. */
export async function expandInput(backend: CryptoBackend, seed: string, length: number): Promise<Uint8Array> {
  const key = await backend.sha256(utf8(seed));
  const ct = await backend.aesGcmSeal(key, new Uint8Array(12), new Uint8Array(length), new Uint8Array(0));
  return ct.subarray(0, length);
}

export function objectContext(v: Vector): ObjectContext {
  const id = v.id as { utf8?: string; hex?: string };
  return { kind: v.kind as ObjectKindValue, id: id.utf8 ?? fromHex(id.hex ?? "") };
}

/** Run every vector of every file; never throws for a vector, it reports it. */
export async function runVectors(set: VectorSet, backend: CryptoBackend): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const file of VECTOR_FILES) {
    const run = RUNNERS[file];
    for (const v of set[file].vectors) {
      const name = `${file}/${v.name}`;
      try {
        const detail = await run(v, backend);
        results.push({ name, ok: detail === null, detail: detail ?? "ok" });
      } catch (e) {
        results.push({ name, ok: false, detail: `runner error: ${String(e)}` });
      }
    }
  }
  return results;
}

/** A runner returns null when the vector passed, else what differed. */
type Runner = (v: Vector, backend: CryptoBackend) => Promise<string | null>;

const RUNNERS: Record<VectorFileName, Runner> = {
  "key-codec": runKeyCodec,
  "key-schedule": runKeySchedule,
  object: runObject,
  stream: runStream,
  chunker: runChunker,
  config: runConfig,
};

function show(o: Expected): string {
  return typeof o === "string" ? o : JSON.stringify(o);
}

/** Compare an outcome with the expected one (failure fields compared only when given). */
function checkOutcome(expected: Expected, actual: Expected): string | null {
  if (expected === "success" || actual === "success") {
    return expected === actual ? null : `expected ${show(expected)}, got ${show(actual)}`;
  }
  const same =
    expected.error === actual.error &&
    (expected.reason === undefined || expected.reason === actual.reason) &&
    (expected.message === undefined || expected.message === actual.message);
  return same ? null : `expected ${show(expected)}, got ${show(actual)}`;
}

async function outcome<T>(fn: () => Promise<T> | T): Promise<{ value?: T; outcome: Expected }> {
  try {
    return { value: await fn(), outcome: "success" };
  } catch (e) {
    return { outcome: outcomeOf(e) };
  }
}

function hexEq(what: string, actual: Uint8Array, expectedHex: unknown): string | null {
  const got = toHex(actual);
  return got === expectedHex ? null : `${what}: expected ${String(expectedHex)}, got ${got}`;
}

async function runKeyCodec(v: Vector): Promise<string | null> {
  if (v.op === "format") {
    const s = formatKey(new RootKey(fromHex(v.key as string)));
    return s === v.output ? null : `format: expected ${String(v.output)}, got ${s}`;
  }
  const r = await outcome(() => parseKey(v.input as string));
  const bad = checkOutcome(v.expected, r.outcome);
  if (bad || !r.value) return bad;
  return hexEq("parsed key", r.value.unsafeBytes(), v.key);
}

/** The subkeys a KeySchedule holds, by label name (Secret fields and the public key-check value). */
export function subkeysOf(keys: KeySchedule): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const fields = keys as unknown as Record<string, unknown>;
  for (const name of Object.keys(LABELS)) {
    const f = fields[name];
    if (f instanceof Secret) out[name] = f.unsafeBytes();
    else if (f instanceof Uint8Array) out[name] = f;
  }
  return out;
}

async function runKeySchedule(v: Vector, backend: CryptoBackend): Promise<string | null> {
  if (v.op === "labels") {
    // A label change is a format change: it must come with new vectors and a spec entry.
    const want = JSON.stringify({ labels: v.labels, root_salt: v.root_salt });
    const got = JSON.stringify({ labels: LABELS, root_salt: ROOT_SALT });
    return want === got ? null : `labels differ: vectors have ${want}, code has ${got}`;
  }
  const keys = await KeySchedule.derive(new RootKey(fromHex(v.root_key as string)), backend);
  if (v.op === "key_check") {
    const r = await outcome(() => assertKeyCheck(keys, fromHex(v.stored as string)));
    return checkOutcome(v.expected, r.outcome);
  }
  const want = v.subkeys as Record<string, string>;
  const got = subkeysOf(keys);
  const names = [...new Set([...Object.keys(want), ...Object.keys(got)])];
  for (const n of names) {
    if (!got[n] || !want[n]) return `subkey ${n} is in ${got[n] ? "the code" : "the vector"} only`;
    const bad = hexEq(`subkey ${n}`, got[n]!, want[n]);
    if (bad) return bad;
  }
  const gear = Array.from(gearTable(keys).subarray(0, 4));
  if (JSON.stringify(gear) !== JSON.stringify(v.gear_table_head)) return `gear table head: got ${JSON.stringify(gear)}`;
  for (const c of v.chunk_ids as { input: string; id: string }[]) {
    const bad = hexEq(`chunk id of ${c.input}`, await chunkId(keys, fromHex(c.input)), c.id);
    if (bad) return bad;
  }
  return null;
}

async function runObject(v: Vector, backend: CryptoBackend): Promise<string | null> {
  const key = fromHex(v.key as string);
  const ctx = objectContext(v);
  const sealed = fromHex(v.sealed as string);
  if (v.expected === "success") {
    const again = await sealObject(backend, key, ctx, fromHex(v.plaintext as string), fixedRandom(fromHex(v.nonce as string)));
    const bad = hexEq("sealed", again, v.sealed);
    if (bad) return bad;
  }
  const r = await outcome(() => openObject(backend, key, ctx, sealed));
  const bad = checkOutcome(v.expected, r.outcome);
  if (bad || !r.value) return bad;
  return hexEq("opened", r.value, v.plaintext);
}

/** Open `sealed` pushing `piece` bytes at a time (0 = all at once). */
async function openInPieces(backend: CryptoBackend, key: Uint8Array, ctx: ObjectContext, sealed: Uint8Array, piece: number): Promise<Uint8Array> {
  const o = new StreamOpener(backend, key, ctx);
  const parts: Uint8Array[] = [];
  const step = piece || Math.max(1, sealed.length);
  for (let i = 0; i < sealed.length; i += step) parts.push(...(await o.push(sealed.subarray(i, i + step))));
  parts.push(...(await o.finish()));
  return concatBytes(...parts);
}

async function runStream(v: Vector, backend: CryptoBackend): Promise<string | null> {
  const key = fromHex(v.key as string);
  const ctx = objectContext(v);
  const sealed = fromHex(v.sealed as string);
  if (v.expected === "success") {
    const plaintext = fromHex(v.plaintext as string);
    for (const piece of [0, 100]) {
      const s = await StreamSealer.create(backend, key, ctx, { segmentLog2: v.segment_log2 as number, random: fixedRandom(fromHex(v.salt as string)) });
      const parts = [s.header];
      for (let i = 0; i < plaintext.length; i += piece || plaintext.length)
        parts.push(...(await s.push(plaintext.subarray(i, i + (piece || plaintext.length)))));
      parts.push(await s.finish());
      const bad = hexEq(`sealed (pushes of ${piece || "all"})`, concatBytes(...parts), v.sealed);
      if (bad) return bad;
    }
  }
  // The outcome must not depend on how the bytes arrive.
  for (const piece of [0, 7]) {
    const r = await outcome(() => openInPieces(backend, key, ctx, sealed, piece));
    const bad = checkOutcome(v.expected, r.outcome);
    if (bad) return `pushes of ${piece || "all"}: ${bad}`;
    if (r.value) {
      const badPt = hexEq("opened", r.value, v.plaintext);
      if (badPt) return badPt;
    }
  }
  return null;
}

async function runChunker(v: Vector, backend: CryptoBackend): Promise<string | null> {
  const keys = await KeySchedule.derive(new RootKey(fromHex(v.root_key as string)), backend);
  const made = await outcome(() => new Chunker(gearTable(keys), v.params as ChunkerParams));
  const bad = checkOutcome(v.expected, made.outcome);
  if (bad || !made.value) return bad;
  const spec = v.input as { seed: string; length: number };
  const input = await expandInput(backend, spec.seed, spec.length);
  const want = JSON.stringify(v.chunks);
  // Same chunks whether the input comes at once or in odd-sized pieces.
  for (const piece of [input.length || 1, 4099, 65536]) {
    const c = new Chunker(gearTable(keys), v.params as ChunkerParams);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < input.length; i += piece) for (const ch of c.push(input.subarray(i, i + piece))) chunks.push(ch.slice());
    chunks.push(...c.finish());
    const got: { length: number; id: string }[] = [];
    for (const ch of chunks) got.push({ length: ch.length, id: toHex(await chunkId(keys, ch)) });
    if (JSON.stringify(got) !== want) return `chunks (pushes of ${piece}) differ: got ${JSON.stringify(got.map((g) => g.length))}`;
  }
  return null;
}

async function runConfig(v: Vector, backend: CryptoBackend): Promise<string | null> {
  const keys = await KeySchedule.derive(new RootKey(fromHex(v.root_key as string)), backend);
  const f = v.fields as Omit<ConfigMacFields, "keyCheck" | "version"> & { keyCheck: string; version: ConfigVersion };
  const fields: ConfigMacFields = { ...f, keyCheck: fromHex(f.keyCheck) };
  if (v.op === "config_mac") {
    const bad = hexEq("mac", await configMac(keys, fields), v.mac);
    if (bad) return bad;
  }
  const r = await outcome(() => verifyConfigMac(keys, fields, fromHex(v.mac as string)));
  return checkOutcome(v.expected, r.outcome);
}
