/**
 * planRestore (plan.ts) keeps chunk IDs packed: the database's pages are read from the
 * manifest's packed page list (never unpacked into a view per page) and looked up in the
 * index by bytes. The plan must be the same whichever way the chunks are looked up and
 * whether or not the entry's `pages` were unpacked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, toHex } from "@chatvault/format";
import { ChunkIndex } from "../repo/chunk-index.ts";
import { type SnapshotManifest, databaseEntryFromPacked, packedPages } from "../repo/manifest.ts";
import { planRestore } from "./plan.ts";

const id = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 7 + i * 13 + (n >> 3)) & 0xff);
const PACK_A = "aa".repeat(32);
const PACK_B = "bb".repeat(32);

function fixture(): { m: SnapshotManifest; index: ChunkIndex } {
  // Pages 1, 2, 3, 2 (a page used twice), media chunks 10 and 2 (a chunk shared with the database).
  const pageIds = [1, 2, 3, 2].map(id);
  const packed = new Uint8Array(pageIds.length * 32);
  pageIds.forEach((p, i) => packed.set(p, i * 32));
  const database = databaseEntryFromPacked({ name: "msgstore.db", pageSize: 4096, pageCount: 4 }, packed);
  const media = [{ path: "a.jpg", size: 100 + 4096, mtimeMs: 1, chunks: [id(10), id(2)] }];
  const m = {
    version: 1,
    repoId: "r",
    sequence: 1,
    parent: null,
    time: "2026-12-02T00:00:00.000Z",
    host: "h",
    database,
    media,
    stats: { filesNew: 1, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 },
  } satisfies SnapshotManifest;
  const index = new ChunkIndex();
  index.add({ id: toHex(id(1)), pack: PACK_A, offset: 0, length: 50, rawLength: 4096, flags: 0 });
  index.add({ id: toHex(id(2)), pack: PACK_B, offset: 0, length: 60, rawLength: 4096, flags: 2 });
  index.add({ id: toHex(id(3)), pack: PACK_A, offset: 50, length: 70, rawLength: 4096, flags: 0 });
  index.add({ id: toHex(id(10)), pack: PACK_B, offset: 60, length: 80, rawLength: 100, flags: 0 });
  return { m, index };
}

function everyRequest(plan: ReturnType<typeof planRestore>) {
  return plan.packs.map((pack, p) => ({ pack, bytes: plan.packBytes(p), db: plan.holdsDatabase(p), requests: plan.requests(p) }));
}

test("planRestore: the index (by bytes) and a hex lookup give the same plan; the page list stays packed", () => {
  const { m, index } = fixture();
  const byIndex = planRestore(m, index);
  assert.ok(packedPages(m.database!), "planning must not unpack the page list");
  const byHex = planRestore(m, (hex) => index.get(hex));
  assert.deepEqual(everyRequest(byIndex), everyRequest(byHex));
  assert.deepEqual(byIndex.files, byHex.files);
  assert.equal(byIndex.bytes, 4 * 4096 + 4196);
  const [a, b] = everyRequest(byIndex);
  assert.deepEqual(
    a!.requests.map((r) => [r.id, r.targets]),
    [
      [toHex(id(1)), [{ file: 0, offset: 0 }]],
      [toHex(id(3)), [{ file: 0, offset: 8192 }]],
    ],
  );
  // Chunk 2: pages 1 and 3 of the database and the media file's second chunk, in plan order.
  assert.deepEqual(
    b!.requests.map((r) => [r.id, r.targets]),
    [
      [
        toHex(id(2)),
        [
          { file: 0, offset: 4096 },
          { file: 0, offset: 12288 },
          { file: 1, offset: 100 },
        ],
      ],
      [toHex(id(10)), [{ file: 1, offset: 0 }]],
    ],
  );
});

test("planRestore: the same plan once the entry's pages were unpacked", () => {
  const { m, index } = fixture();
  const before = everyRequest(planRestore(m, index));
  assert.equal(m.database!.pages.length, 4); // reading `pages` unpacks them
  assert.equal(packedPages(m.database!), undefined);
  assert.deepEqual(everyRequest(planRestore(m, index)), before);
});

test("planRestore: a page missing from the index is refused before anything is read", () => {
  const { m } = fixture();
  const index = new ChunkIndex();
  index.add({ id: toHex(id(1)), pack: PACK_A, offset: 0, length: 50, rawLength: 4096, flags: 0 });
  assert.throws(
    () => planRestore(m, index),
    (e: unknown) => e instanceof IntegrityError && e.reason === "missing_object" && e.objectId === toHex(id(2)),
  );
});

test("ChunkIndex.getIdAt: finds packed IDs without a view, checks its bounds", () => {
  const { index } = fixture();
  const packed = new Uint8Array(64);
  packed.set(id(3), 32);
  assert.deepEqual(index.getIdAt(packed, 32), index.get(toHex(id(3))));
  assert.equal(index.getIdAt(packed, 0), undefined);
  assert.throws(() => index.getIdAt(packed, 33), RangeError);
});
