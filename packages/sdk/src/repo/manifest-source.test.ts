import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError } from "@chatvault/format";
import { type SnapshotManifest, decodeManifest, encodeManifest } from "./manifest.ts";

const base: SnapshotManifest = {
  version: 1,
  repoId: "ab".repeat(16),
  sequence: 1,
  parent: null,
  time: "2026-12-01T00:00:00.000Z",
  host: "h",
  database: { name: "msgstore.db", pageSize: 4096, pageCount: 1, pages: [new Uint8Array(32).fill(7)], source: "0f".repeat(32) },
  media: [],
  stats: { filesNew: 0, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 },
};

test("manifest database source (spec §8.5.2): round-trips, is optional, and anything but 64 lowercase hex is bad_structure", () => {
  assert.deepEqual(decodeManifest(encodeManifest(base)), base);
  const { source: _, ...without } = base.database!;
  assert.deepEqual(decodeManifest(encodeManifest({ ...base, database: without })).database, without);
  for (const bad of ["0F".repeat(32), "0f".repeat(31), 5, null, "", "0f".repeat(33)]) {
    const json = JSON.parse(new TextDecoder().decode(encodeManifest(base))) as { database: Record<string, unknown> };
    json.database.source = bad;
    assert.throws(
      () => decodeManifest(new TextEncoder().encode(JSON.stringify(json))),
      (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure",
      String(bad),
    );
  }
});
