/**
 * Key mode against S3-compatible storage (radosgw from scripts/ci/start-radosgw.sh):
 * `--repo s3://bucket/prefix --s3-endpoint URL` with credentials from the usual AWS
 * variables, restored byte-identical on a new machine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { needService, tempDir } from "@chatvault/testkit";
import { machine, treeHashes } from "./support.ts";

const endpoint = process.env.CHATVAULT_TEST_S3_ENDPOINT ?? "http://127.0.0.1:7480";
const aws = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "testak",
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "testsk",
  AWS_REGION: "us-east-1",
};

async function reachable(): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

test("key mode on S3: init, backup, restore on a new machine", async (t) => {
  if (!needService(t, await reachable(), `S3 (radosgw) not reachable at ${endpoint}; start it with scripts/ci/start-radosgw.sh`)) return;
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY },
  });
  const Bucket = `chatvault-cli-${randomBytes(6).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  t.after(async () => {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket }));
      if (!page.Contents?.length) break;
      await Promise.all(page.Contents.map((o) => s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key }))));
    }
    await s3.send(new DeleteBucketCommand({ Bucket }));
    s3.destroy();
  });
  const dir = tempDir(t, "chatvault-cli-s3-");
  const a = machine(dir, "a", aws);
  const src = join(dir, "chats");
  const keyFile = join(dir, "key.txt");
  const repo = `s3://${Bucket}/alice/backup`;
  assert.equal((await a.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "1"])).code, 0);
  const init = await a.run(["init", "--repo", repo, "--s3-endpoint", endpoint, "--new-key-file", keyFile, "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(init.json.repo, repo);
  const b1 = await a.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile], {
    env: { CHATVAULT_S3_ENDPOINT: endpoint },
  });
  assert.equal(b1.code, 0, b1.stderr);
  const out = join(dir, "restored");
  const r = await machine(dir, "b", aws).run(["restore", "--repo", repo, "--s3-endpoint", endpoint, "--to", out, "--key-file", keyFile, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(join(src, "media")));
});
