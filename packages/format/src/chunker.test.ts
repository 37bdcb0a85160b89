/** Keyed FastCDC (spec §7): split invariance, size bounds, keyed boundaries, parameter checks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Chunker, DEFAULT_CHUNKER_PARAMS, validateChunkerParams, type ChunkerParams } from "./chunker.ts";
import { gearTable, KeySchedule } from "./key-schedule.ts";
import { RootKey } from "./secret.ts";
import { seededBytes } from "./testing/fixtures.ts";

const gearOf = async (fill: number) => gearTable(await KeySchedule.derive(new RootKey(new Uint8Array(32).fill(fill))));
const gear = await gearOf(1);
const SMALL: ChunkerParams = { min: 256, avg: 1024, max: 4096 };

function chunk(g: Uint32Array, data: Uint8Array, params: ChunkerParams, cuts: number[] = []): Uint8Array[] {
  const c = new Chunker(g, params);
  const at = [0, ...cuts.map((x) => x % (data.length + 1)).sort((a, b) => a - b), data.length];
  const out: Uint8Array[] = [];
  // Copy each chunk at once: a returned chunk may be a view into the pushed buffer.
  for (let i = 1; i < at.length; i++) for (const ch of c.push(data.subarray(at[i - 1]!, at[i]!))) out.push(ch.slice());
  out.push(...c.finish());
  return out;
}
const lengths = (cs: Uint8Array[]) => cs.map((c) => c.length);

test("the same chunks whatever the split of the input into pushes", () => {
  const data = seededBytes(1, 200_000);
  const whole = lengths(chunk(gear, data, SMALL));
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      assert.deepEqual(lengths(chunk(gear, data, SMALL, cuts)), whole);
    }),
    { numRuns: 100 },
  );
  // One byte at a time, the most extreme split.
  const small = data.subarray(0, 20_000);
  assert.deepEqual(
    lengths(
      chunk(
        gear,
        small,
        SMALL,
        Array.from({ length: small.length }, (_, i) => i),
      ),
    ),
    lengths(chunk(gear, small, SMALL)),
  );
});

test("chunks cover the input in order; sizes within [min, max], only the last may be shorter", () => {
  const params = fc.tuple(fc.integer({ min: 6, max: 14 }), fc.integer({ min: 64, max: 20000 }), fc.integer({ min: 1, max: 8 })).map(([bits, min, mult]) => {
    const avg = 2 ** bits;
    return { min: Math.min(min, avg), avg, max: avg * mult };
  });
  fc.assert(
    fc.property(params, fc.integer({ min: 0, max: 100_000 }), fc.integer(), (p, n, seed) => {
      const data = seededBytes(seed, n);
      const cs = chunk(gear, data, p);
      assert.deepEqual(Buffer.concat(cs), Buffer.from(data));
      cs.forEach((c, i) => {
        assert.ok(c.length <= p.max, `chunk ${i} is ${c.length} > max ${p.max}`);
        if (i < cs.length - 1) assert.ok(c.length >= p.min, `chunk ${i} is ${c.length} < min ${p.min}`);
        assert.ok(c.length > 0);
      });
    }),
    { numRuns: 200 },
  );
});

test("average chunk size is near avg on random data (normalized chunking)", () => {
  const data = seededBytes(2, 16 << 20);
  const cs = chunk(gear, data, DEFAULT_CHUNKER_PARAMS);
  const mean = data.length / cs.length;
  assert.ok(mean > DEFAULT_CHUNKER_PARAMS.avg * 0.75 && mean < DEFAULT_CHUNKER_PARAMS.avg * 1.5, `mean ${mean}`);
});

test("boundaries depend on the key: another key, other boundaries", async () => {
  const data = seededBytes(3, 1 << 20);
  const a = lengths(chunk(gear, data, SMALL));
  const b = lengths(chunk(await gearOf(2), data, SMALL));
  const cutsOf = (ls: number[]) => new Set(ls.map((_, i) => ls.slice(0, i + 1).reduce((x, y) => x + y, 0)));
  const ca = cutsOf(a);
  const shared = [...cutsOf(b)].filter((x) => ca.has(x)).length;
  // Cut points that coincide by chance (mostly forced cuts at max) stay rare.
  assert.ok(shared < ca.size * 0.1, `${shared} of ${ca.size} cut points shared`);
  assert.deepEqual(lengths(chunk(await gearOf(1), data, SMALL)), a, "same key, same boundaries");
});

test("edge cases: empty input, input shorter than min, min = avg = max, finish twice, reuse after finish", () => {
  assert.deepEqual(chunk(gear, new Uint8Array(0), SMALL), []);
  assert.deepEqual(lengths(chunk(gear, seededBytes(4, 100), SMALL)), [100]);
  assert.deepEqual(lengths(chunk(gear, seededBytes(5, 3000), { min: 512, avg: 512, max: 512 })), [512, 512, 512, 512, 512, 440]);
  const c = new Chunker(gear, SMALL);
  c.push(seededBytes(6, 10));
  assert.equal(c.finish().length, 1);
  assert.deepEqual(c.finish(), []);
  const data = seededBytes(7, 50_000);
  assert.deepEqual(lengths([...c.push(data), ...c.finish()]), lengths(chunk(gear, data, SMALL)));
});

test("parameters are checked, naming the parameter", () => {
  const bad: [ChunkerParams, string][] = [
    [{ min: 256, avg: 1000, max: 4096 }, "chunker avg must be a power of two, got 1000"],
    [{ min: 2048, avg: 1024, max: 4096 }, "chunker needs min <= avg <= max, got 2048/1024/4096"],
    [{ min: 256, avg: 1024, max: 512 }, "chunker needs min <= avg <= max, got 256/1024/512"],
    [{ min: 63, avg: 1024, max: 4096 }, "chunker min must be an integer in 64..64Mi, got 63"],
    [{ min: 256, avg: 1024, max: 64 * 1024 * 1024 + 1 }, "chunker max must be an integer in 64..64Mi, got 67108865"],
    [{ min: 256.5, avg: 1024, max: 4096 }, "chunker min must be an integer in 64..64Mi, got 256.5"],
    [{ min: 256, avg: Number.NaN, max: 4096 }, "chunker avg must be an integer in 64..64Mi, got NaN"],
  ];
  for (const [p, message] of bad) {
    assert.throws(() => validateChunkerParams(p), { name: "RangeError", message });
    assert.throws(() => new Chunker(gear, p), { name: "RangeError", message });
  }
  validateChunkerParams(DEFAULT_CHUNKER_PARAMS);
  validateChunkerParams({ min: 64, avg: 64, max: 64 });
  assert.throws(() => new Chunker(new Uint32Array(255)), { name: "RangeError", message: "gear table must have 256 entries" });
});

test("reuseBuffers: the same chunks, each whole until the next push, however the input is split; reused after finish", () => {
  const data = seededBytes(3, 60_000);
  const whole = chunk(gear, data, SMALL);
  const c = new Chunker(gear, SMALL, { reuseBuffers: true });
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 60 }), (cuts) => {
      const at = [0, ...cuts.map((x) => x % (data.length + 1)).sort((a, b) => a - b), data.length];
      const out: Uint8Array[] = [];
      // The pushed bytes come from one reused buffer, as a file reader's would.
      const block = new Uint8Array(data.length);
      for (let i = 1; i < at.length; i++) {
        const piece = block.subarray(0, at[i]! - at[i - 1]!);
        piece.set(data.subarray(at[i - 1]!, at[i]!));
        for (const ch of c.push(piece)) out.push(ch.slice());
        block.fill(0xee);
      }
      for (const ch of c.finish()) out.push(ch.slice());
      assert.deepEqual(out, whole);
    }),
    { numRuns: 200 },
  );
});

/**
 * Spec §7's cut rule one byte at a time, as plainly as it reads: the chunker's scan takes
 * four bytes a step and must cut at exactly the same places, wherever a push or the
 * `avg`/`max` bounds fall within a step.
 */
function referenceCuts(g: Uint32Array, data: Uint8Array, { min, avg, max }: ChunkerParams): number[] {
  const bits = Math.round(Math.log2(avg));
  const top = (b: number) => (b >= 32 ? -1 : (0xffffffff << (32 - b)) | 0);
  const maskS = top(bits + 2);
  const maskL = top(Math.max(1, bits - 2));
  const lens: number[] = [];
  let start = 0;
  while (start < data.length) {
    let h = 0;
    let len = Math.min(max, data.length - start);
    for (let k = min; k < Math.min(max, data.length - start); k++) {
      h = ((h << 1) + g[data[start + k]!]!) | 0;
      if ((h & (k < avg ? maskS : maskL)) === 0) {
        len = k + 1;
        break;
      }
    }
    lens.push(len);
    start += len;
  }
  return lens;
}

test("the cuts are spec §7's one-byte-at-a-time rule, whatever the pushes and the bounds' place in a four-byte step", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 40_000 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.integer({ min: 0, max: 1000 }),
      (dMin, dMax, length, cuts, seed) => {
        // min, avg and max off a multiple of four by 0-3 bytes each; a small avg, so many cuts in both loops.
        const params = { min: 64 + dMin, avg: 256, max: 1024 + dMax };
        const data = seededBytes(seed + 1, length);
        assert.deepEqual(lengths(chunk(gear, data, params, cuts)), referenceCuts(gear, data, params));
      },
    ),
    { numRuns: 300 },
  );
});
