/**
 * The engine against a real S3 implementation (Ceph radosgw in CI): backup, incremental,
 * restore byte-identical (on this thread and on worker threads), verify clean.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { TestBucket, credentials, endpoint, s3Reachable, unreachableReason } from "@chatvault/storage/s3/testing";
import { needService, tempDir } from "@chatvault/testkit";
import { memoryHeadStore, Repository, verify } from "../index.ts";
import { backup, openStorage, restore, nodeCompressor } from "./index.ts";
import { mutateDemoData } from "@chatvault/demo-data";
import { demo, treeHashes } from "../../test/support.ts";

const reachable = await s3Reachable();
const bucket = new TestBucket();
after(() => bucket.destroy());

test("engine on S3 (radosgw): backup, incremental, restore, verify", async (t) => {
  if (!needService(t, reachable, unreachableReason)) return;
  await bucket.ensure();
  process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
  process.env.AWS_REGION ??= "us-east-1";
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 3000, 6);
  const storage = openStorage(`s3://${bucket.name}/alice/chats`, { s3Endpoint: endpoint });
  const root = generateRootKey();
  const repo = await Repository.init(storage, root, { protection: "key", packSize: 2 * 1024 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  await mutateDemoData({ dir: join(dir, "src"), messages: 100, mediaFiles: 2, seed: 4 });
  const inc = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  assert.equal(inc.snapshot.sequence, 2);
  const again = await Repository.open(openStorage(`s3://${bucket.name}/alice/chats`, { s3Endpoint: endpoint }), root);
  await restore({ repo: again, heads, to: join(dir, "out") });
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(src.mediaDir));
  // Chunks opened on worker threads (restore-download.ts): ranged GETs from S3 handed over to them.
  await restore({ repo: again, heads, to: join(dir, "out-workers"), workers: 2 });
  assert.deepEqual(treeHashes(join(dir, "out-workers")), treeHashes(join(dir, "out")));
  const report = await verify({ repo: again, heads, compressor: nodeCompressor });
  assert.deepEqual(report.problems, []);
  assert.equal(report.packsChecked, report.packsTotal);
});
