/**
 * Parsers of untrusted repository bytes (index, pack header, manifest, config): round
 * trips, and random or mutated input yields only typed errors (fuzz, fast-check).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ChatvaultError, toHex, utf8 } from "@chatvault/format";
import { ChunkIndex, decodeIndex, encodeIndex, type IndexEntry } from "./chunk-index.ts";
import { decodePackHeader, encodePackHeader } from "./pack.ts";
import { decodeManifest, encodeManifest, isSafeRelativePath, type SnapshotManifest } from "./manifest.ts";
import { parseConfig } from "./config.ts";

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const entry = fc.record({ id: hex32, pack: hex32, offset: u32, length: u32, rawLength: u32, flags: fc.constantFrom(0, 1, 2) }, { noNullPrototype: true });

function onlyTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ChatvaultError)) throw e;
  }
}

/** Mutations of a valid encoding: flip, cut, insert, duplicate a range. */
const mutated = (valid: Uint8Array) =>
  fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = valid.slice();
      if (b.length) b[i % b.length] = b[i % b.length]! ^ x;
      return b;
    }),
    fc.nat().map((n) => valid.slice(0, n % (valid.length + 1))),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([i, ins]) => {
      const at = i % (valid.length + 1);
      return Uint8Array.from([...valid.slice(0, at), ...ins, ...valid.slice(at)]);
    }),
    fc.tuple(fc.nat(), fc.nat()).map(([a, n]) => {
      const at = a % (valid.length + 1);
      return Uint8Array.from([...valid, ...valid.slice(at, at + (n % 64))]);
    }),
  );

test("index: encode/decode round trip", () => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 50 }), (es) => {
      const back = decodeIndex(encodeIndex(es as IndexEntry[]), "index/x");
      assert.deepEqual(back, es);
    }),
  );
});

test("index: random and mutated bytes give only typed errors", () => {
  const valid = encodeIndex([{ id: "ab".repeat(32), pack: "cd".repeat(32), offset: 1, length: 2, rawLength: 3, flags: 1 }]);
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(valid)), (b) => onlyTyped(() => decodeIndex(b, "index/x"))),
    { numRuns: 3000 },
  );
});

test("index pushed in pieces: random and mutated bytes, cut anywhere, are refused or accepted as decodeIndex does them, and a refused one adds nothing", () => {
  const valid = encodeIndex([
    { id: "ab".repeat(32), pack: "cd".repeat(32), offset: 1, length: 2, rawLength: 3, flags: 1 },
    { id: "ef".repeat(32), pack: "cd".repeat(32), offset: 9, length: 4, rawLength: 4, flags: 0 },
  ]);
  const before = { id: "01".repeat(32), pack: "02".repeat(32), offset: 0, length: 5, rawLength: 5, flags: 0 };
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(valid)), fc.array(fc.nat(), { maxLength: 6 }), (b, cutsAt) => {
      let want: IndexEntry[] | undefined;
      let wantError: unknown;
      try {
        want = decodeIndex(b, "index/x");
      } catch (e) {
        wantError = e;
      }
      const index = new ChunkIndex();
      index.add(before);
      const cuts = [...new Set(cutsAt.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
      let gotError: unknown;
      try {
        const w = index.indexObjectWriter("index/x", b.length);
        let from = 0;
        for (const at of [...cuts, b.length]) {
          w.push(b.subarray(from, at));
          from = at;
        }
        w.finish();
      } catch (e) {
        gotError = e;
      }
      if (wantError !== undefined) {
        assert.ok(gotError instanceof ChatvaultError, `a typed error, not ${String(gotError)}`);
        assert.deepEqual(
          [...index.entries()].map(([id]) => id),
          [before.id],
        );
      } else {
        assert.equal(gotError, undefined);
        // A later entry for the same ID wins, as in add().
        const model = new Map([[before.id, before], ...want!.map((e) => [e.id, e] as const)]);
        assert.equal(index.size, model.size);
        for (const [id, e] of model)
          assert.deepEqual(index.get(id), { pack: e.pack, offset: e.offset, length: e.length, rawLength: e.rawLength, flags: e.flags });
      }
    }),
    { numRuns: 3000 },
  );
});

test("pack header: round trip, and entries pointing past the pack are refused", () => {
  fc.assert(
    fc.property(
      fc.array(
        entry.map(({ pack: _p, ...e }) => e),
        { maxLength: 30 },
      ),
      (es) => {
        const bytes = encodePackHeader(es);
        assert.deepEqual(decodePackHeader(bytes, "p", 2 ** 40), es);
      },
    ),
  );
  const one = encodePackHeader([{ id: "ab".repeat(32), offset: 10, length: 10, rawLength: 5, flags: 0 }]);
  assert.throws(() => decodePackHeader(one, "p", 19), { reason: "bad_structure" });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated(one)), (b) => onlyTyped(() => decodePackHeader(b, "p", 1000))),
    { numRuns: 3000 },
  );
});

const manifest: SnapshotManifest = {
  version: 1,
  repoId: "ab".repeat(16),
  sequence: 3,
  parent: { sequence: 2, digest: "cd".repeat(32) },
  time: "2026-11-27T12:00:00.000Z",
  host: "h",
  database: { name: "msgstore.db", pageSize: 4096, pageCount: 2, pages: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] },
  media: [{ path: "2024/a.jpg", size: 10, mtimeMs: 1.5, chunks: [new Uint8Array(32).fill(3)] }],
  stats: { filesNew: 1, filesChanged: 0, filesUnchanged: 0, bytesRead: 10, bytesStored: 10, chunksNew: 3 },
};

test("manifest: round trip; unsafe paths and inconsistent counts refused", () => {
  assert.deepEqual(decodeManifest(encodeManifest(manifest)), manifest);
  for (const path of ["../etc/passwd", "/abs", "a//b", "a/./b", "a\\b", "", "a/.."]) {
    assert.equal(isSafeRelativePath(path), false, path);
    const bad = { ...manifest, media: [{ ...manifest.media[0]!, path }] };
    assert.throws(() => decodeManifest(encodeManifest(bad)), { reason: "bad_structure" });
  }
  const wrongCount = { ...manifest, database: { ...manifest.database!, pageCount: 3 } };
  assert.throws(() => decodeManifest(encodeManifest(wrongCount)), { reason: "bad_structure" });
  const dup = { ...manifest, media: [manifest.media[0]!, manifest.media[0]!] };
  assert.throws(() => decodeManifest(encodeManifest(dup)), { reason: "bad_structure" });
});

test("manifest and config: random and mutated bytes give only typed errors", () => {
  const valid = encodeManifest(manifest);
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(valid)), (b) => onlyTyped(() => decodeManifest(b))),
    { numRuns: 3000 },
  );
  const config = utf8(
    JSON.stringify({
      format: "chatvault-repository",
      version: 1,
      repoId: "ab".repeat(16),
      created: "x",
      protection: "key",
      chunker: { min: 16384, avg: 65536, max: 262144 },
      packSize: 8388608,
      keyCheck: "AAAAAAAAAAAAAAAAAAAAAA",
      mac: "A".repeat(43),
    }),
  );
  assert.equal(parseConfig(config).config.protection, "key");
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(config)), (b) => onlyTyped(() => parseConfig(b))),
    { numRuns: 3000 },
  );
});
