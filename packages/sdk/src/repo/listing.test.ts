/**
 * Reading a manifest listing (spec §8.5.3): the chunks are authenticated and, when the
 * index flags one as compressed (a listing chunk may share its ID with a compressed
 * chunk stored earlier), inflated — fflate is then imported on demand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { newRepo } from "../../test/support.ts";
import { ChunkStore } from "../backup/chunk-store.ts";
import { Packer } from "../backup/packer.ts";
import { nodeCompressor } from "../node/zlib-compressor.ts";
import { CHUNK_COMPRESSED, CHUNK_DEFLATE, CHUNK_LZ4, ChunkIndex, type IndexEntry } from "./chunk-index.ts";
import { cutListing, readListing } from "./listing.ts";

/** A compressible listing, cut and stored as chunks (compressed if `compress`), and where each went. */
async function storedListing(dir: string, compress: boolean) {
  const { repo } = await newRepo(dir);
  const text = Array.from({ length: 400 }, (_, i) => `{"path":"media/photos/IMG-${i}.jpg","size":${i * 997}}`).join("\n");
  const bytes = new TextEncoder().encode(text);
  const packer = new Packer(repo.storage, repo.keys, repo.repoId, repo.config.packSize);
  const store = new ChunkStore(repo.keys, new ChunkIndex(), packer, nodeCompressor);
  const chunks: Uint8Array[] = [];
  for (const piece of cutListing(repo.keys, bytes)) chunks.push(await store.store(piece, compress));
  await packer.flush();
  const where = new Map<string, IndexEntry>(packer.written.map((e) => [e.id, e]));
  return { repo, bytes, listing: { length: bytes.length, chunks }, where };
}

test("a listing whose chunks are stored compressed is inflated and read back whole", async (t) => {
  const { repo, bytes, listing, where } = await storedListing(tempDir(t), true);
  assert.ok(
    [...where.values()].some((e) => e.flags & CHUNK_COMPRESSED),
    "some listing chunk is stored compressed",
  );
  assert.deepEqual(await readListing(repo, listing, (id) => where.get(id)), bytes);
});

test("an uncompressed listing reads back whole; a compressed flag on it is refused, not returned", async (t) => {
  const { repo, bytes, listing, where } = await storedListing(tempDir(t), false);
  assert.ok([...where.values()].every((e) => !(e.flags & CHUNK_COMPRESSED)));
  assert.deepEqual(await readListing(repo, listing, (id) => where.get(id)), bytes);
  // The same chunks claimed to be compressed (with either codec, spec §8.3.1): decompressing
  // raw bytes fails decompression or the chunk-ID check, either way an IntegrityError, never wrong bytes.
  for (const codec of [CHUNK_DEFLATE, CHUNK_LZ4]) {
    const lying = (id: string) => {
      const e = where.get(id);
      return e && { ...e, flags: codec };
    };
    await assert.rejects(readListing(repo, listing, lying), IntegrityError, `flags ${codec}`);
  }
});
