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
import { openRangeInPlace, rangeOpener, sealedOffset } from "./restore-open.ts";
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

/** One chunk sealed as given: `payload` under the ID `id` (bytes), indexed with `flags` and `rawLength` (a writer's or an attacker's choice). */
async function sealedAs(payload: Uint8Array, id: Uint8Array, flags: number, rawLength: number, start = 500) {
  const sealed = await sealObject(nodeCryptoBackend, keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id }, payload);
  const requests: ChunkRequest<number>[] = [{ id: toHex(id), loc: { pack: "", offset: start, length: sealed.length, rawLength, flags }, targets: [0] }];
  return { range: { start, end: start + sealed.length, requests } as PackRange<number>, bytes: sealed };
}

/** A slot with the room a worker's would have for `range`, its sealed bytes read in `extra` bytes past where the layout needs them. */
function slotFor(range: PackRange<number>, bytes: Uint8Array, extra = 0) {
  const at = sealedOffset(range.requests, range.start, range.end) + extra;
  const total = range.requests.reduce((n, r) => n + r.loc.rawLength, 0);
  const buf = new Uint8Array(Math.max(at + bytes.length, total));
  buf.set(bytes, at);
  return { buf, at };
}

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.ok(e instanceof IntegrityError, String(e));
  return [e.reason, e.objectId, e.message];
};

test("the synchronous opener: a compressed payload longer than its scratch buffer, and one opener for many ranges", async () => {
  // Random 8-byte words, each twice in a row: LZ4 keeps ~70%, the payload (~140 kB) is past the 64 KiB scratch buffer.
  const words = stored(100_000);
  const big = new Uint8Array(200_000).map((_, i) => words[Math.floor(i / 16) * 8 + (i % 8)]!);
  const small = compressible(4096);
  const ranges = [await pack([big, small, stored(10)]), await pack([small, compressible(8192)]), await pack([stored(70_000), big])];
  assert.ok(
    ranges[0]!.range.requests[0]!.loc.flags !== 0 && ranges[0]!.range.requests[0]!.loc.length > 65_536 + 29,
    "the big chunk is compressed, past the scratch",
  );
  const opener = rangeOpener(keys, nodeCompressor);
  for (const [k, { range, bytes }] of ranges.entries()) {
    const { buf, at } = slotFor(range, bytes);
    const n = opener.open("p", range, buf, at, bytes.length);
    assert.deepEqual(buf.subarray(0, n), await viaOpenPackRange(range, bytes), `range ${k}`);
  }
});

test("the synchronous opener's errors on bad chunks are openPackRange's (reason, object, words), and the opener still opens good ranges after them", async () => {
  const plain = compressible(5000);
  const id = await chunkId(keys, plain);
  const lz4 = codecFlags("lz4");
  const payload = nodeCompressor.compress(plain)!.bytes;
  const otherId = await chunkId(keys, stored(10));
  const cases: [string, Awaited<ReturnType<typeof sealedAs>>][] = [
    ["compressed, rawLength too long", await sealedAs(payload, id, lz4, plain.length + 1)],
    ["compressed, rawLength too short", await sealedAs(payload, id, lz4, plain.length - 1)],
    ["unknown codec flags", await sealedAs(payload, id, 7, plain.length)],
    ["payload that is no LZ4 block", await sealedAs(stored(3000), id, lz4, plain.length)],
    ["compressed under another chunk's ID", await sealedAs(payload, otherId, lz4, plain.length)],
    ["stored, rawLength differs from the sealed length", await sealedAs(plain, id, 0, plain.length - 1)],
    ["stored under another chunk's ID", await sealedAs(plain, otherId, 0, plain.length)],
  ];
  const opener = rangeOpener(keys, nodeCompressor);
  const good = await pack([compressible(4096), stored(1000)]);
  for (const [what, { range, bytes }] of cases) {
    const want = await failure(viaOpenPackRange(range, bytes));
    assert.deepEqual(await failure(inPlace(range, bytes)), want, what);
    const { buf, at } = slotFor(range, bytes, 64);
    assert.deepEqual(await failure((async () => opener.open("p", range, buf, at, bytes.length))()), want, `${what}, reused opener`);
    const { buf: gbuf, at: gat } = slotFor(good.range, good.bytes);
    const n = opener.open("p", good.range, gbuf, gat, good.bytes.length);
    assert.deepEqual(gbuf.subarray(0, n), await viaOpenPackRange(good.range, good.bytes), `a good range after: ${what}`);
  }
  // Shorter than a sealed object's overhead: too_short, as openObject says.
  const tiny = await sealedAs(payload, id, lz4, plain.length);
  const cut = { ...tiny.range, requests: [{ ...tiny.range.requests[0]!, loc: { ...tiny.range.requests[0]!.loc, length: 20 } }] };
  assert.deepEqual(await failure(inPlace(cut, tiny.bytes)), await failure(viaOpenPackRange(cut, tiny.bytes)), "too short");
  assert.equal((await failure(inPlace(cut, tiny.bytes)))[0], "too_short");
});
