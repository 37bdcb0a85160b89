/**
 * The restore's chunk opener gives each codec output back to malloc as soon as it is copied
 * into the slot, where the thread has `ArrayBuffer.prototype.transfer` (a restore worker
 * whose CLI asked for it, or Node ≥ 21): the worker then leaves out its scavenge after each
 * range (workers/restore-worker.ts). Its own file: the test gives this thread `transfer`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { KeySchedule, ObjectKind, RootKey, chunkId, concatBytes, sealObject, toHex } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import type { Compressor } from "../backup/compressor.ts";
import { codecFlags } from "../repo/chunk-index.ts";
import type { ChunkRequest, PackRange } from "../repo/chunk-reader.ts";
import { rangeOpener, sealedOffset } from "./restore-open.ts";
import { nodeCompressor } from "./zlib-compressor.ts";

const keys = await KeySchedule.derive(new RootKey(new Uint8Array(32).fill(5)), nodeCryptoBackend);

test("rangeOpener: each codec output is freed once copied where transfer exists, the plaintexts unchanged", async () => {
  const plains = [new Uint8Array(4096).map((_, i) => i % 7), new Uint8Array(3000).map((_, i) => (i * 5) % 11), new Uint8Array(500).map((_, i) => i & 1)];
  const requests: ChunkRequest<number>[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const plain of plains) {
    const id = await chunkId(keys, plain);
    const c = nodeCompressor.compress(plain)!;
    const sealed = await sealObject(nodeCryptoBackend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, c.bytes);
    requests.push({ id: toHex(id), loc: { pack: "", offset, length: sealed.length, rawLength: plain.length, flags: codecFlags(c.codec) }, targets: [] });
    parts.push(sealed);
    offset += sealed.length;
  }
  const range: PackRange<number> = { start: 0, end: offset, requests };
  const bytes = concatBytes(...parts);
  const outputs: Uint8Array[] = [];
  const recording: Compressor = { ...nodeCompressor, decompress: (d, n, codec) => (outputs.push(nodeCompressor.decompress(d, n, codec)), outputs.at(-1)!) };
  const open = () => {
    const at = sealedOffset(range.requests, range.start, range.end);
    const buf = new Uint8Array(
      Math.max(
        at + bytes.length,
        plains.reduce((n, p) => n + p.length, 0),
      ),
    );
    buf.set(bytes, at);
    return buf.subarray(0, rangeOpener(keys, recording).open("p", range, buf, at, bytes.length));
  };
  // Without transfer (Node 20 unless asked): left to the collector.
  assert.equal(typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer, "undefined");
  assert.deepEqual(open(), concatBytes(...plains));
  assert.ok(outputs.length === 3 && outputs.every((o) => o.byteLength > 0), "kept without transfer");
  setFlagsFromString("--harmony-rab-gsab-transfer");
  const transfer = runInNewContext("ArrayBuffer.prototype.transfer") as unknown;
  assert.equal(typeof transfer, "function");
  Object.defineProperty(ArrayBuffer.prototype, "transfer", { value: transfer, configurable: true, writable: true });
  try {
    outputs.length = 0;
    assert.deepEqual(open(), concatBytes(...plains));
    assert.equal(outputs.length, 3);
    assert.ok(
      outputs.every((o) => o.byteLength === 0),
      `freed: ${outputs.map((o) => o.byteLength).join(", ")}`,
    );
  } finally {
    delete (ArrayBuffer.prototype as { transfer?: unknown }).transfer;
  }
});
