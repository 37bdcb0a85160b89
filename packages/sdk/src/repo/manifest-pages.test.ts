/**
 * Decoded database entries keep their page IDs packed until `pages` is read (manifest.ts):
 * the entry must behave exactly like one with a plain array — same values, same JSON, same
 * key order — and the packed bytes must never disagree with `pages`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkIndex } from "./chunk-index.ts";
import {
  type DatabaseEntry,
  type SnapshotManifest,
  applyListing,
  copyDatabaseEntry,
  databaseEntryFromPacked,
  encodeListing,
  encodeManifest,
  decodeManifest,
  packedPages,
  samePageList,
} from "./manifest.ts";

const id = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 7 + i * 13) & 0xff);

function database(withSource: boolean): DatabaseEntry {
  const pages = [1, 2, 3, 2].map(id);
  return { name: "msgstore.db", pageSize: 4096, pageCount: pages.length, pages, ...(withSource ? { source: "ab".repeat(32) } : {}) };
}

function manifest(db: DatabaseEntry): SnapshotManifest {
  return {
    version: 2,
    repoId: "r",
    sequence: 1,
    parent: null,
    time: "2026-12-01T00:00:00.000Z",
    host: "h",
    database: db,
    media: [{ path: "a.jpg", size: 3, mtimeMs: 1, chunks: [id(9)] }],
    stats: { filesNew: 1, filesChanged: 0, filesUnchanged: 0, bytesRead: 3, bytesStored: 3, chunksNew: 1 },
    listing: { length: 0, chunks: [] },
  };
}

/** A decoded manifest whose database entry came from `listing` bytes (packed pages). */
function decoded(db: DatabaseEntry): { listing: Uint8Array; m: SnapshotManifest } {
  const original = manifest(db);
  const listing = encodeListing(original.database, original.media);
  const head = decodeManifest(encodeManifest({ ...original, listing: { length: listing.length, chunks: [id(100)] } }));
  return { listing, m: applyListing(head, listing) };
}

for (const withSource of [false, true]) {
  test(`a decoded entry keeps its pages packed until read, and equals the original (source: ${withSource})`, () => {
    const db = database(withSource);
    const { listing, m } = decoded(db);
    const e = m.database!;
    const packed = packedPages(e);
    assert.ok(packed, "packed while nobody read pages");
    assert.equal(packed.length, 4 * 32);
    assert.deepEqual(Object.keys(e), Object.keys(db), "same keys in the same order");
    // Encoding without reading pages gives the very bytes the original encoded to.
    assert.deepEqual(encodeListing(e, m.media), listing);
    assert.ok(packedPages(e), "encoding did not unpack");
    const copy = copyDatabaseEntry(e);
    assert.ok(samePageList(copy, e), "a copy shares the packed list");
    assert.equal(packedPages(copy), packed);
    // Reading pages makes the array once, and the entry is then an ordinary one.
    assert.deepEqual(e.pages, db.pages);
    assert.equal(e.pages, e.pages, "made once");
    assert.equal(packedPages(e), undefined, "no packed list once pages is read");
    assert.deepEqual(e, db);
    assert.deepEqual(encodeListing(e, m.media), listing);
    assert.equal(samePageList(copy, e), false, "the copy's packed list is not the array read since");
    assert.deepEqual(copy.pages, db.pages);
    assert.deepEqual(Object.keys(copy), Object.keys(db));
  });
}

test("assigning pages replaces the packed list; a spread copy reads it", () => {
  const { m } = decoded(database(true));
  const e = m.database!;
  const spread = { ...copyDatabaseEntry(e) };
  assert.equal(packedPages(spread), undefined);
  assert.deepEqual(spread.pages, database(true).pages);
  e.pages = [id(5)];
  assert.equal(packedPages(e), undefined);
  assert.deepEqual(e.pages, [id(5)]);
  const plain = database(false);
  assert.ok(samePageList(plain, plain));
  assert.equal(samePageList(plain, { ...plain, pages: [...plain.pages] }), false);
});

test("ChunkIndex.hasIdAt looks up packed IDs in place", () => {
  const index = new ChunkIndex();
  index.add({ id: Buffer.from(id(2)).toString("hex"), pack: "00".repeat(32), offset: 0, length: 1, rawLength: 1, flags: 0 });
  const packed = new Uint8Array(3 * 32);
  packed.set(id(1), 0);
  packed.set(id(2), 32);
  packed.set(id(3), 64);
  assert.deepEqual(
    [0, 32, 64].map((o) => index.hasIdAt(packed, o)),
    [false, true, false],
  );
  assert.throws(() => index.hasIdAt(packed, 65), RangeError);
  assert.throws(() => index.hasIdAt(packed, -1), RangeError);
  assert.equal(index.hasId(id(2).subarray(0, 31)), false, "a short ID is never indexed");
});

test("an entry a backup builds from packed IDs encodes and reads as the plain one", () => {
  for (const withSource of [false, true]) {
    const plain = database(withSource);
    const packed = new Uint8Array(plain.pageCount * 32);
    plain.pages.forEach((p, i) => packed.set(p, i * 32));
    const { pages: _, ...fields } = plain;
    const built = databaseEntryFromPacked(fields, packed);
    assert.deepEqual(Object.keys(built), Object.keys(plain), "same keys, same order");
    assert.equal(packedPages(built), packed);
    assert.deepEqual(encodeListing(built, []), encodeListing(plain, []), "encoded from the packed bytes");
    assert.deepEqual(built.pages, plain.pages);
    assert.equal(packedPages(built), undefined, "read once: a plain entry");
  }
  const { pages: _, ...fields } = database(false);
  assert.throws(() => databaseEntryFromPacked(fields, new Uint8Array(31)), RangeError);
});

test("a long page list is cut out of the listing before it is parsed, with the same result as parsing it whole; any doubt parses it whole", () => {
  const pages = Array.from({ length: 400 }, (_, i) => id(i));
  const packed = new Uint8Array(pages.length * 32);
  pages.forEach((p, i) => packed.set(p, i * 32));
  const long: DatabaseEntry = { name: "msgstore.db", pageSize: 4096, pageCount: pages.length, pages, source: "cd".repeat(32) };
  const m = manifest(long);
  const apply = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return applyListing({ ...m, database: null, media: [], listing: { length: bytes.length, chunks: [] } }, bytes);
  };
  const text = new TextDecoder().decode(encodeListing(long, m.media));
  const whole = JSON.parse(text) as { database: Record<string, unknown>; media: unknown[] };
  const got = apply(text);
  assert.deepEqual(packedPages(got.database!), packed);
  assert.deepEqual(Object.keys(got.database!), Object.keys(whole.database));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(encodeListing(got.database, got.media))), whole);
  // The same listing with an escape somewhere (a media path with a quote) is parsed whole, alike.
  const quoted = text.replace('"path":"a.jpg"', '"path":"a\\"b.jpg"');
  const viaWhole = apply(quoted);
  assert.deepEqual(packedPages(viaWhole.database!), packed);
  assert.equal(viaWhole.media[0]!.path, 'a"b.jpg');
  // A duplicate key: the last one counts, as in JSON.parse (here it is a shorter list, refused).
  const other = Buffer.from(packed.subarray(0, 32 * 399)).toString("base64url");
  const dup = text.replace('"pages":"', `"pages":"${other}","pages":"`);
  assert.deepEqual(packedPages(apply(dup).database!), packed);
  const dupLast = text.replace(/"source"/, `"pages":"${other}","source"`);
  assert.throws(() => apply(dupLast), /page list does not match its page count/);
  // The page run first met in a media entry: the database's own list still counts.
  const mediaFirst = JSON.stringify({ media: [{ ...JSON.parse(JSON.stringify(whole.media[0])), pages: other }], database: whole.database });
  assert.deepEqual(packedPages(apply(mediaFirst).database!), packed);
  // Not JSON either way: refused as before.
  assert.throws(() => apply(text.slice(0, -1)), /listing is not valid JSON/);
});

test("a long packed page list is written into the listing's bytes as the JSON text would hold it, byte for byte", () => {
  for (const count of [300, 301, 302]) {
    const packed = Uint8Array.from({ length: count * 32 }, (_, i) => (i * 31 + (i >> 5)) & 0xff);
    const fields = { name: "msgstore-é.db", pageSize: 4096, pageCount: count, source: "ef".repeat(32) };
    const media = [{ path: "Media/ü.jpg", size: 3, mtimeMs: 1.5, chunks: [id(9)] }];
    const fast = encodeListing(databaseEntryFromPacked(fields, packed), media);
    const views = Array.from({ length: count }, (_, i) => packed.subarray(i * 32, (i + 1) * 32));
    const plain = encodeListing({ name: fields.name, pageSize: 4096, pageCount: count, pages: views, source: fields.source }, media);
    assert.deepEqual(fast, plain, `${count} pages`);
    const m = manifest(databaseEntryFromPacked(fields, packed));
    const back = applyListing({ ...m, database: null, media: [], listing: { length: fast.length, chunks: [] } }, fast);
    assert.deepEqual(packedPages(back.database!), packed);
  }
});
