/**
 * Chunk codecs (spec §8.3): Node's native compressors and the browser's JavaScript ones
 * read each other's output in both directions, on generated data and on real pages of a
 * demo chat database; corrupt payloads fail as IntegrityError `bad_structure` — never
 * another error, never output of another length, never an allocation past the bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { IntegrityError } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { nodeCompressor, zlibCompressor } from "../node/zlib-compressor.ts";
import { demo } from "../../test/support.ts";
import { type ChunkCodec, type Compressor, maxExpansion } from "./compressor.ts";
import { browserCompressor, fflateCompressor } from "./fflate-compressor.ts";

const writers: Record<string, Compressor> = { nodeCompressor, browserCompressor, zlibCompressor, fflateCompressor };
const readers: Record<string, Compressor> = { nodeCompressor, browserCompressor };

/** Data that compresses: pieces of a small alphabet and repeated runs, as in a chat database page. */
const compressible = fc
  .array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.constantFrom("hello ", "message ", "\0\0\0\0\0\0\0\0", "chat 42 ").map((s) => new TextEncoder().encode(s)),
    ),
    {
      minLength: 1,
      maxLength: 300,
    },
  )
  .map((parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });

function assertBadStructure(f: () => unknown, what: string): void {
  assert.throws(f, (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure", what);
}

test("every writer's payload is read back by the Node and the browser compressor (property)", () => {
  fc.assert(
    fc.property(fc.oneof(compressible, fc.uint8Array({ maxLength: 5000 })), (data) => {
      for (const [wn, w] of Object.entries(writers)) {
        const packed = w.compress(data);
        if (!packed) continue;
        assert.ok(packed.bytes.length <= data.length - (data.length >> 3), `${wn} stores a payload that saves 1/8`);
        for (const [rn, r] of Object.entries(readers)) {
          assert.deepEqual(r.decompress(packed.bytes, data.length, packed.codec), data, `${wn} → ${rn}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test("one input after another: the browser's LZ4 encoder keeps no state between blocks", () => {
  // lz4js reuses its match table; an entry left by an earlier input once gave a match at distance 0.
  const words = ["hello ", "message ", "chat 42 "].map((s) => new TextEncoder().encode(s));
  for (let i = 0; i < 400; i++) {
    const data = new Uint8Array(64 + (i % 90));
    for (let at = 0; at < data.length; at += 6) data.set(((i + at) % 5 === 0 ? randomBytes(6) : words[at % 3]!).subarray(0, Math.min(6, data.length - at)), at);
    const packed = browserCompressor.compress(data);
    if (packed) assert.deepEqual(nodeCompressor.decompress(packed.bytes, data.length, packed.codec), data, `input ${i}`);
  }
});

test("the new writers use LZ4, the old ones DEFLATE; tiny and incompressible inputs are stored as they are", () => {
  const page = new TextEncoder().encode("message 17 from Alice to Bob ".repeat(140));
  assert.equal(nodeCompressor.compress(page)?.codec, "lz4");
  assert.equal(browserCompressor.compress(page)?.codec, "lz4");
  assert.equal(zlibCompressor.compress(page)?.codec, "deflate");
  assert.equal(fflateCompressor.compress(page)?.codec, "deflate");
  const noise = new Uint8Array(randomBytes(4096));
  for (const w of Object.values(writers)) {
    assert.equal(w.compress(page.subarray(0, 63)), null);
    assert.equal(w.compress(noise), null);
  }
});

test("real pages of a demo chat database: Node LZ4 ⇄ browser LZ4, and both read DEFLATE", async (t) => {
  const src = await demo(join(tempDir(t), "src"), 1500, 0);
  const db = new Uint8Array(readFileSync(src.dbPath));
  const pageSize = (db[16]! << 8) | db[17]!;
  let lz4Pages = 0;
  for (let off = 0; off < db.length; off += pageSize) {
    const page = db.subarray(off, off + pageSize);
    for (const [wn, w] of Object.entries(writers)) {
      const packed = w.compress(page);
      if (!packed) continue;
      if (packed.codec === "lz4") lz4Pages++;
      for (const [rn, r] of Object.entries(readers))
        assert.deepEqual(r.decompress(packed.bytes, page.length, packed.codec), page, `page ${off / pageSize}: ${wn} → ${rn}`);
    }
  }
  assert.ok(lz4Pages > 10, `pages compressed with LZ4: ${lz4Pages}`);
});

test("corrupt payloads (fuzz): IntegrityError bad_structure, or the same exact-length output from both readers", () => {
  const page = new TextEncoder().encode("a chat page, a chat page, with some text 0123456789 ".repeat(60));
  const seeds: Record<ChunkCodec, Uint8Array> = { lz4: nodeCompressor.compress(page)!.bytes, deflate: zlibCompressor.compress(page)!.bytes };
  fc.assert(
    fc.property(
      fc.constantFrom<ChunkCodec>("lz4", "deflate"),
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }).map((b) => ({ bytes: b, mutate: false })),
        fc
          .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat())
          .map(([at, with_, cut]) => ({ bytes: Uint8Array.of(at % 251, ...with_, cut % 7), mutate: true })),
      ),
      fc.oneof(fc.constant(page.length), fc.nat({ max: 2 * page.length })),
      (codec, input, rawLength) => {
        let payload = input.bytes;
        if (input.mutate) {
          // A valid payload with a few bytes overwritten at one place and maybe cut short.
          const [at, ...rest] = input.bytes;
          const cut = rest.pop()!;
          payload = seeds[codec].slice(0, seeds[codec].length - cut);
          payload.set(Uint8Array.from(rest).subarray(0, Math.max(0, payload.length - (at! % payload.length))), at! % payload.length);
        }
        const outcomes = Object.values(readers).map((r) => {
          try {
            const out = r.decompress(payload, rawLength, codec);
            assert.equal(out.length, rawLength, "output has the recorded length");
            return Buffer.from(out).toString("hex");
          } catch (e) {
            assert.ok(e instanceof IntegrityError && e.reason === "bad_structure", `typed error, got ${String(e)}`);
            return "bad_structure";
          }
        });
        if (codec === "lz4") assert.equal(outcomes[0], outcomes[1], "Node and browser LZ4 agree");
      },
    ),
    { numRuns: 2000 },
  );
});

test("a recorded length no payload can reach is refused before anything is allocated; unknown codecs are refused", () => {
  const payload = nodeCompressor.compress(new Uint8Array(8192))!.bytes;
  for (const r of Object.values(readers)) {
    assertBadStructure(() => r.decompress(payload, 2 ** 32 - 1, "lz4"), "4 GiB from a few bytes of LZ4");
    assertBadStructure(() => r.decompress(payload, maxExpansion("lz4", payload.length) + 1, "lz4"), "just over the LZ4 bound");
    assertBadStructure(() => r.decompress(payload, 2 ** 31, "deflate"), "2 GiB from a few bytes of DEFLATE");
    assertBadStructure(() => r.decompress(payload, 8192, "zstd" as ChunkCodec), "unknown codec");
    assertBadStructure(() => r.decompress(payload, 8191, "lz4"), "one byte short of the output");
    assertBadStructure(() => r.decompress(payload, 8193, "lz4"), "one byte past the output");
  }
});
