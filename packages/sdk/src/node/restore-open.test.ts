/**
 * A restore worker's range opened in its one buffer (restore-open.ts): the plaintexts of
 * stored and compressed chunks laid over the sealed bytes give what `openPackRange` gives,
 * wherever the layout puts the sealed bytes, and the same errors for bad bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { IntegrityError, KeySchedule, ObjectKind, RootKey, chunkId, concatBytes, sealObject, toHex } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { type ChunkRequest, type PackRange, openPackRange } from "../repo/chunk-reader.ts";
import { codecFlags } from "../repo/chunk-index.ts";
import { openRangeInPlace, sealedOffset } from "./restore-open.ts";
import { nodeCompressor } from "./zlib-compressor.ts";

const keys = await KeySchedule.derive(new RootKey(new Uint8Array(32).fill(3)), nodeCryptoBackend);
const repo = { keys };

/** Sealed chunks of `plains` laid in a pack with `gap` bytes between them, as a range from `start`; compressible ones compressed. */
async function pack(plains: Uint8Array[], gap = 0, start = 1000) {
  const parts: Uint8Array[] = [];
  const requests: ChunkRequest<number>[] = [];
  let offset = start;
  for (const [k, plain] of plains.entries()) {
    const id = await chunkId(keys, plain);
    const c = nodeCompressor.compress(plain);
    const sealed = await sealObject(nodeCryptoBackend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, c ? c.bytes : plain);
    requests.push({
      id: toHex(id),
      loc: { pack: "", offset, length: sealed.length, rawLength: plain.length, flags: codecFlags(c ? c.codec : null) },
      targets: [k],
    });
    parts.push(sealed, new Uint8Array(gap));
    offset += sealed.length + gap;
  }
  const range: PackRange<number> = { start, end: offset - gap, requests };
  return { range, bytes: concatBytes(...parts).subarray(0, range.end - start) };
}

const stored = (n: number) => new Uint8Array(randomBytes(n));
const compressible = (n: number) => new Uint8Array(n).map((_, i) => (i * 7) % 13);

async function viaOpenPackRange(range: PackRange<number>, bytes: Uint8Array): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  await openPackRange(repo, nodeCompressor, "p", range, bytes, (_, plain) => void out.push(plain.slice()));
  return concatBytes(...out);
}

/** Open in one buffer of exactly the room the layout needs (plus `extra`), as a worker does. */
async function inPlace(range: PackRange<number>, bytes: Uint8Array, extra = 0) {
  const at = sealedOffset(range.requests, range.start, range.end) + extra;
  const total = range.requests.reduce((n, r) => n + r.loc.rawLength, 0);
  const buf = new Uint8Array(Math.max(at + bytes.length, total));
  buf.set(bytes, at);
  const length = await openRangeInPlace(repo, nodeCompressor, "p", range, buf, at, bytes.length);
  return { at, plain: buf.subarray(0, length) };
}

test("stored, compressed and mixed ranges, with and without gaps: openPackRange's plaintexts, stored ones from offset 0", async () => {
  const cases: [string, Uint8Array[], number][] = [
    ["stored", [stored(10), stored(65536), stored(200_000), stored(1)], 0],
    ["stored with gaps", [stored(70_000), stored(5), stored(131_072)], 4096],
    ["compressed", [compressible(4096), compressible(100_000), compressible(65537)], 0],
    ["compressed then stored", [compressible(300_000), stored(100_000), stored(70_000)], 0],
    ["stored then compressed", [stored(100_000), compressible(300_000), stored(3)], 17],
    ["empty chunk", [stored(0), compressible(9000), stored(0)], 0],
  ];
  for (const [what, plains, gap] of cases) {
    const { range, bytes } = await pack(plains, gap);
    const want = await viaOpenPackRange(range, bytes);
    assert.deepEqual(want, concatBytes(...plains), what);
    for (const extra of [0, 1, 4096]) {
      const { at, plain } = await inPlace(range, bytes, extra);
      assert.deepEqual(plain, want, `${what}, sealed bytes at +${extra}`);
      if (range.requests.every((r) => r.loc.flags === 0)) assert.equal(at, extra, `${what}: a range of stored chunks opens in place from 0`);
    }
  }
});

test("the layout: no chunk's plaintext end passes the next chunk's sealed start", async () => {
  const { range } = await pack([compressible(300_000), stored(100_000), compressible(50_000), stored(10)]);
  const at = sealedOffset(range.requests, range.start, range.end);
  let plain = 0;
  range.requests.forEach((r, k) => {
    plain += r.loc.rawLength;
    const next = k + 1 < range.requests.length ? range.requests[k + 1]!.loc.offset : range.end;
    assert.ok(plain <= at + next - range.start, `chunk ${k}`);
  });
  assert.ok(at > 0);
});

test("bad bytes: the errors openPackRange gives (auth, ID, truncation), and a layout that does not fit is refused", async () => {
  const { range, bytes } = await pack([stored(70_000), compressible(50_000), stored(1000)]);
  const reasonOf = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof IntegrityError, String(e));
    return [e.reason, e.objectId, e.message];
  };
  for (const flip of [0, 20, 70_000, bytes.length - 1, range.requests[1]!.loc.offset - range.start + 30]) {
    const t = bytes.slice();
    t[flip]! ^= 1;
    assert.deepEqual(await reasonOf(inPlace(range, t)), await reasonOf(viaOpenPackRange(range, t)), `byte ${flip}`);
  }
  // A chunk asked for under another chunk's ID: the ID is in the AAD, so it fails to authenticate, as on one thread.
  const other = await pack([stored(10)]);
  const swapped = { ...range, requests: range.requests.map((r, k) => (k === 0 ? { ...r, id: other.range.requests[0]!.id } : r)) };
  assert.deepEqual(await reasonOf(inPlace(swapped, bytes)), await reasonOf(viaOpenPackRange(swapped, bytes)), "other ID");
  const cut = bytes.subarray(0, bytes.length - 10);
  assert.deepEqual(await reasonOf(inPlace(range, cut)), await reasonOf(viaOpenPackRange(range, cut)), "truncated");
  const at = sealedOffset(range.requests, range.start, range.end);
  assert.ok(at > 0);
  const buf = new Uint8Array(at + bytes.length);
  buf.set(bytes, at - 1);
  await assert.rejects(openRangeInPlace(repo, nodeCompressor, "p", range, buf, at - 1, bytes.length), /does not fit a slot/);
  await assert.rejects(openRangeInPlace(repo, nodeCompressor, "p", range, buf.subarray(0, buf.length - 1), at, bytes.length), /does not fit a slot/);
});
