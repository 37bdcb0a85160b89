import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { backup, restore } from "./index.ts";
import { encodeListing } from "../repo/manifest.ts";
import { cutListing } from "../repo/listing.ts";
import { chunkId } from "@chatvault/format";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

// spec §8.5.3: a backup whose every entry is the parent's reuses the parent's listing.

test("a no-change backup reuses the parent's listing, byte for byte what re-encoding would give, and restores the same", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 2000, 2);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const first = (await repo.resolveSnapshot(heads))!.manifest;
  const same = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.equal(same.bytesUploaded, 0);
  const second = (await repo.resolveSnapshot(heads))!.manifest;
  assert.equal(second.sequence, 2);
  assert.deepEqual(second.listing, first.listing);
  // What the writer would have stored had it re-encoded the listing: the very same chunks.
  const bytes = encodeListing(second.database, second.media);
  assert.equal(bytes.length, second.listing!.length);
  const recut = await Promise.all(cutListing(repo.keys, bytes).map((piece) => chunkId(repo.keys, piece)));
  assert.deepEqual(recut, second.listing!.chunks);
  const out = join(dir, "out");
  await restore({ repo, heads, to: out, snapshot: "2" });
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(src.mediaDir));
});

test("one media file touched, or one gone: the listing is encoded anew", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 1000, 2);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const first = (await repo.resolveSnapshot(heads))!.manifest;
  const files = first.media.map((m) => m.path);
  utimesSync(join(src.mediaDir, files[0]!), new Date(), new Date(1_000_000));
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const touched = (await repo.resolveSnapshot(heads))!.manifest;
  assert.notDeepEqual(touched.listing, first.listing);
  assert.equal(touched.media[0]!.mtimeMs, 1_000_000);
  rmSync(join(src.mediaDir, files[1]!));
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const gone = (await repo.resolveSnapshot(heads))!.manifest;
  assert.notDeepEqual(gone.listing, touched.listing);
  assert.equal(gone.media.length, first.media.length - 1);
});

test("a parent whose listing sat in a lost pack: nothing of it is reused, the new listing is stored and restores", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 500, 0);
  // Tiny packs: the listing chunks land in their own pack, written last.
  const { repo } = await newRepo(join(dir, "repo"), undefined, { packSize: 4096 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, workers: 0 });
  const first = (await repo.resolveSnapshot(heads))!.manifest;
  const index = await repo.loadIndex();
  const listingPack = index.getId(first.listing!.chunks[0]!)!.pack;
  rmSync(join(dir, "repo", "packs", listingPack.slice(0, 2), listingPack));
  await backup({ repo, heads, db: src.dbPath, workers: 0 });
  const next = (await repo.resolveSnapshot(heads))!.manifest;
  assert.equal(next.sequence, 2);
  assert.ok(next.database!.pageCount > 0);
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  assert.ok(readdirSync(out).includes("msgstore.db"));
});

test("an empty media folder whose one listing chunk was lost: the same listing is stored again, not pointed at", async (t) => {
  const dir = tempDir(t);
  const media = join(dir, "media");
  mkdirSync(media);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, media, workers: 0 });
  const first = (await repo.resolveSnapshot(heads))!.manifest;
  const pack = (await repo.loadIndex()).getId(first.listing!.chunks[0]!)!.pack;
  rmSync(join(dir, "repo", "packs", pack.slice(0, 2), pack));
  const again = await backup({ repo, heads, media, workers: 0 });
  assert.equal(again.stats.chunksNew, 1, "the listing chunk was stored again");
  const next = (await repo.resolveSnapshot(heads))!.manifest;
  assert.deepEqual(next.listing, first.listing);
  assert.notEqual((await repo.loadIndex(await repo.listPacks())).getId(next.listing!.chunks[0]!)!.pack, pack);
});
