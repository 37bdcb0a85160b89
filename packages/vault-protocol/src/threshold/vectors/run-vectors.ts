/**
 * Runs spec/vectors/threshold-*.json (spec/threshold-vault.md §10) and reports one result
 * per vector. Browser-safe: the same module runs under node:test and inside Chromium.
 * A vector is `{name, op, expected: "success" | {error}, ...inputs, output?: {...}}`:
 * the runner recomputes `op` from the inputs and compares the outcome and every output field.
 */
import type { CryptoBackend } from "@chatvault/format";
import { OPS, VectorFailure, type Json } from "./compute.ts";

export const THRESHOLD_VECTOR_FILES = ["threshold-sharing", "threshold-derive", "threshold-oprf", "threshold-signatures", "threshold-messages"] as const;
export type ThresholdVectorFile = (typeof THRESHOLD_VECTOR_FILES)[number];

export interface ThresholdVector extends Json {
  name: string;
  op: string;
  expected: "success" | { error: string };
  output?: Json;
}

export interface ThresholdVectorFileBody {
  file: ThresholdVectorFile;
  spec: string;
  description: string;
  vectors: ThresholdVector[];
}

export type ThresholdVectorSet = Record<ThresholdVectorFile, ThresholdVectorFileBody>;

export interface VectorResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Run one vector: the outcome and (on success) the output. */
export async function computeVector(v: Json & { op: string }, backend: CryptoBackend): Promise<{ outcome: ThresholdVector["expected"]; output?: Json }> {
  const op = OPS[v.op];
  if (!op) return { outcome: { error: `unexpected: unknown op ${v.op}` } };
  try {
    return { outcome: "success", output: await op(v, backend) };
  } catch (e) {
    return { outcome: { error: e instanceof VectorFailure ? e.error : `unexpected: ${String(e)}` } };
  }
}

export async function runThresholdVectors(set: ThresholdVectorSet, backend: CryptoBackend): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const file of THRESHOLD_VECTOR_FILES) {
    for (const v of set[file].vectors) {
      const name = `${file}/${v.name}`;
      const r = await computeVector(v, backend);
      const want = JSON.stringify(v.expected);
      const got = JSON.stringify(r.outcome);
      if (want !== got) {
        results.push({ name, ok: false, detail: `expected ${want}, got ${got}` });
        continue;
      }
      const diff = v.output === undefined ? [] : Object.keys(v.output).filter((k) => JSON.stringify(v.output![k]) !== JSON.stringify(r.output?.[k]));
      results.push({ name, ok: diff.length === 0, detail: diff.length ? `differs: ${diff.join(", ")}` : "ok" });
    }
  }
  return results;
}
