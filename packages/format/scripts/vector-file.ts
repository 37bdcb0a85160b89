/**
 * The pieces every vector generator of spec/vectors/ shares (generate-vectors.ts and the
 * files it calls): a vector file's frame, bit flips, how an object ID is written, the
 * expected integrity failure.
 */
import { toHex } from "../src/bytes.ts";
import type { ObjectContext } from "../src/object.ts";
import type { Expected, Vector, VectorFile, VectorFileName } from "../src/vectors/run-vectors.ts";

/** The bytes from, from + 1, … (mod 256). */
export const seq = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

export function file(name: VectorFileName, spec: string, description: string, vectors: Vector[]): VectorFile {
  return { file: name, spec, description, vectors };
}

/** Flip one bit of a copy. */
export function flip(b: Uint8Array, at: number, bit = 1): Uint8Array {
  const c = b.slice();
  c[at < 0 ? c.length + at : at]! ^= bit;
  return c;
}

export function idField(id: ObjectContext["id"]) {
  return typeof id === "string" ? { utf8: id } : { hex: toHex(id) };
}

export const integrity = (reason: string): Expected => ({ error: "integrity", reason });
