/**
 * STREAM properties (fast-check): for the boundary sizes 0, 1, seg−1, seg, seg+1, 2·seg+500
 * and many segments, any split of the input into pushes — on the sealing side and on the
 * opening side — gives the same bytes, and opening returns the plaintext. Both backends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CryptoBackend } from "./backend.ts";
import { webCryptoBackend } from "./backend.ts";
import { concatBytes } from "./bytes.ts";
import { nodeCryptoBackend } from "./node.ts";
import { ObjectKind, type ObjectContext } from "./object.ts";
import { STREAM_HEADER_LENGTH, StreamOpener, StreamSealer } from "./stream.ts";
import { fixedRandom, seededBytes } from "./testing/fixtures.ts";

const key = seededBytes(1, 32);
const ctx: ObjectContext = { kind: ObjectKind.index, id: Uint8Array.of(1, 2, 3) };
const salt = seededBytes(2, 16);

/** Cut points → pieces (some possibly empty) covering `data` in order. */
function pieces(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...cuts.map((c) => (data.length ? c % (data.length + 1) : 0)).sort((a, b) => a - b), data.length];
  return at.slice(1).map((end, i) => data.subarray(at[i]!, end));
}
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

async function seal(backend: CryptoBackend, pt: Uint8Array, cuts: number[], log2: number): Promise<{ bytes: Uint8Array; segs: Uint8Array[] }> {
  const s = await StreamSealer.create(backend, key, ctx, { segmentLog2: log2, random: fixedRandom(salt) });
  const segs: Uint8Array[] = [];
  for (const p of pieces(pt, cuts)) segs.push(...(await s.push(p)));
  segs.push(await s.finish());
  return { bytes: concatBytes(s.header, ...segs), segs };
}

async function open(backend: CryptoBackend, sealed: Uint8Array, cuts: number[]): Promise<Uint8Array> {
  const o = new StreamOpener(backend, key, ctx);
  const out: Uint8Array[] = [];
  for (const p of pieces(sealed, cuts)) out.push(...(await o.push(p)));
  out.push(...(await o.finish()));
  return concatBytes(...out);
}

const expectedLength = (n: number, seg: number) => STREAM_HEADER_LENGTH + n + 16 * Math.max(1, Math.ceil(n / seg));

for (const backend of [webCryptoBackend(), nodeCryptoBackend]) {
  for (const [log2, runs] of [
    [10, 25],
    [16, 4],
  ] as const) {
    const seg = 2 ** log2;
    const sizes = [0, 1, seg - 1, seg, seg + 1, 2 * seg + 500, ...(log2 === 10 ? [40 * seg + 3] : [])];
    test(`round trip on ${backend.name}, 2^${log2}-byte segments, sizes ${sizes.join(", ")}, any push split`, async () => {
      for (const n of sizes) {
        const pt = seededBytes(n + 7, n);
        const ref = await seal(backend, pt, [], log2);
        assert.equal(ref.bytes.length, expectedLength(n, seg), `size ${n}`);
        // Every segment but the last is full; the last holds 1..seg bytes, 0 only when alone.
        ref.segs.slice(0, -1).forEach((s) => assert.equal(s.length, seg + 16));
        const lastLen = ref.segs.at(-1)!.length - 16;
        assert.ok(n === 0 ? lastLen === 0 : lastLen >= 1 && lastLen <= seg);
        await fc.assert(
          fc.asyncProperty(cutsArb, cutsArb, async (sealCuts, openCuts) => {
            assert.deepEqual((await seal(backend, pt, sealCuts, log2)).bytes, ref.bytes);
            assert.deepEqual(await open(backend, ref.bytes, openCuts), pt);
          }),
          { numRuns: runs },
        );
      }
    });
  }
}

test("random sizes and contents round-trip, and both backends seal the same bytes", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), cutsArb, cutsArb, async (pt, a, b) => {
      const web = await seal(webCryptoBackend(), pt, a, 10);
      const node = await seal(nodeCryptoBackend, pt, b, 10);
      assert.deepEqual(web.bytes, node.bytes);
      assert.deepEqual(await open(nodeCryptoBackend, web.bytes, b), pt);
      assert.deepEqual(await open(webCryptoBackend(), node.bytes, a), pt);
    }),
    { numRuns: 40 },
  );
});

test("a failure is the same whatever the push split", async () => {
  const pt = seededBytes(5, 3 * 1024 + 100);
  const { bytes } = await seal(nodeCryptoBackend, pt, [], 10);
  const h = STREAM_HEADER_LENGTH;
  const swapped = concatBytes(bytes.subarray(0, h), bytes.subarray(h + 1040, h + 2080), bytes.subarray(h, h + 1040), bytes.subarray(h + 2080));
  const broken: [Uint8Array, string][] = [
    [bytes.subarray(0, h + 2080), "truncated"],
    [swapped, "reordered"],
    [concatBytes(bytes, Uint8Array.of(7)), "trailing_data"],
    [Uint8Array.of(...bytes.subarray(0, 50), bytes[50]! ^ 4, ...bytes.subarray(51)), "auth_failed"],
  ];
  await fc.assert(
    fc.asyncProperty(cutsArb, async (cuts) => {
      for (const [b, reason] of broken) await assert.rejects(open(nodeCryptoBackend, b, cuts), { reason });
    }),
    { numRuns: 30 },
  );
});
