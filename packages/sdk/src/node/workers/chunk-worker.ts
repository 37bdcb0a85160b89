/**
 * Worker thread of the chunk pipeline: computes keyed chunk IDs and seals chunks with
 * exactly the functions the single-threaded path uses (`chunkId`, `sealObject`, the
 * zlib compressor), so both paths write the same format. Messages: see chunk-pool.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { KeySchedule, ObjectKind, RootKey, chunkId, sealObject } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { CHUNK_COMPRESSED } from "../../repo/chunk-index.ts";
import { zlibCompressor } from "../zlib-compressor.ts";

const port = parentPort!;
const keys = await KeySchedule.derive(new RootKey(new Uint8Array(workerData.root as ArrayBuffer)), nodeCryptoBackend);
const encKey = keys.chunkEncryption.unsafeBytes();

export interface IdsRequest { op: "ids"; seq: number; buf: ArrayBuffer; bounds: number[] }
export interface SealRequest { op: "seal"; seq: number; buf: ArrayBuffer; bounds: number[]; pick: number[]; ids: ArrayBuffer; compressible: boolean }

port.on("message", (m: IdsRequest | SealRequest) => {
  void handle(m).catch((e: unknown) => port.postMessage({ seq: m.seq, error: e instanceof Error ? e.message : String(e) }));
});

async function handle(m: IdsRequest | SealRequest): Promise<void> {
  const buf = new Uint8Array(m.buf);
  const chunk = (i: number) => buf.subarray(i === 0 ? 0 : m.bounds[i - 1]!, m.bounds[i]!);
  if (m.op === "ids") {
    const ids = new Uint8Array(m.bounds.length * 32);
    for (let i = 0; i < m.bounds.length; i++) ids.set(await chunkId(keys, chunk(i)), i * 32);
    port.postMessage({ seq: m.seq, buf: m.buf, ids: ids.buffer }, [m.buf, ids.buffer]);
    return;
  }
  const ids = new Uint8Array(m.ids);
  const sealed: Uint8Array[] = [];
  const flags: number[] = [];
  let total = 0;
  for (const i of m.pick) {
    const plain = chunk(i);
    const packed = m.compressible ? zlibCompressor.compress(plain) : null;
    const s = await sealObject(nodeCryptoBackend, encKey, { kind: ObjectKind.chunk, id: ids.subarray(i * 32, i * 32 + 32) }, packed ?? plain);
    sealed.push(s);
    flags.push(packed ? CHUNK_COMPRESSED : 0);
    total += s.length;
  }
  const out = new Uint8Array(total);
  const lengths: number[] = [];
  let o = 0;
  for (const s of sealed) {
    out.set(s, o);
    o += s.length;
    lengths.push(s.length);
  }
  port.postMessage({ seq: m.seq, sealed: out.buffer, lengths, flags }, [out.buffer]);
}
