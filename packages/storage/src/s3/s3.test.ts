import { after, test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { needService } from "@chatvault/testkit";
import { storageConformance } from "../conformance/index.ts";
import { bytes } from "../conformance/support.ts";
import { S3Storage } from "./index.ts";
import type { S3StorageOptions } from "./index.ts";
import { TestBucket, credentials, endpoint, s3Reachable, unreachableReason } from "./test-bucket.ts";

const reachable = await s3Reachable();
const bucket = new TestBucket();
after(() => bucket.destroy());

let opened = 0;
/** A storage under a fresh prefix of this run's bucket, or undefined (test skipped) without radosgw. */
async function openS3(t: TestContext, options: Partial<S3StorageOptions> = {}): Promise<S3Storage | undefined> {
  if (!needService(t, reachable, unreachableReason)) return undefined;
  await bucket.ensure();
  const storage = new S3Storage({ bucket: bucket.name, prefix: `run/t${++opened}`, endpoint, credentials, ...options });
  t.after(() => storage.close());
  return storage;
}

storageConformance("s3 (radosgw)", async (t) => {
  const storage = await openS3(t);
  // Objects stay until the bucket goes at the end of the run: one batch delete, not thousands.
  return storage && { storage, cleanup: async () => {} };
});

test("s3: objects above the threshold go multipart and stay create-only when puts do not race", async (t) => {
  const s = await openS3(t, { multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
  if (!s) return;
  const data = bytes(11 * 1024 * 1024 + 3, 1); // 3 parts
  await s.put("mp/big", data);
  assert.equal((await s.stat("mp/big")).size, data.length);
  assert.deepEqual(await s.get("mp/big", { offset: 5 * 1024 * 1024 - 2, length: 4 }), data.slice(5 * 1024 * 1024 - 2, 5 * 1024 * 1024 + 2));
  await assert.rejects(s.put("mp/big", bytes(6 * 1024 * 1024, 2)), { code: "object_exists" });
  await s.put("mp/small", bytes(10, 3));
  await assert.rejects(s.put("mp/small", data), { code: "object_exists" }, "multipart over a small object");
  assert.equal((await s.stat("mp/small")).size, 10);
});

test("s3: racing multipart puts of one name — readers still see one whole object (create-only gap on radosgw)", async (t) => {
  const s = await openS3(t, { multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
  if (!s) return;
  const contents = [1, 2, 3].map((i) => bytes(6 * 1024 * 1024 + i, 10 + i));
  const results = await Promise.allSettled(contents.map((c) => s.put("mp/race", c)));
  // radosgw 16 ignores If-None-Match on CompleteMultipartUpload, so more than one may
  // "win" (measured: usually all three). AWS S3 honours it: exactly one. See multipart.ts.
  assert.ok(results.some((r) => r.status === "fulfilled"));
  const stored = await s.get("mp/race");
  assert.ok(
    contents.some((c) => c.length === stored.length && Buffer.compare(c, stored) === 0),
    "one writer's whole bytes",
  );
});

test("s3: location names bucket, prefix and endpoint, never credentials", async () => {
  const s = new S3Storage({
    bucket: "b-1",
    prefix: "/backups/alice/",
    endpoint: "http://ak:sk@127.0.0.1:7480/?token=x",
    credentials: { accessKeyId: "AKIDSECRETLOOKING", secretAccessKey: "very-secret" },
  });
  assert.equal(s.location, "s3://b-1/backups/alice/ at http://127.0.0.1:7480");
  assert.ok(!/ak:|sk@|token|AKID|very-secret/.test(s.location));
  s.close();
});

test("s3: a closed port is StorageUnavailableError (retryable), quickly", async () => {
  const s = new S3Storage({ bucket: "nobucket", endpoint: "http://127.0.0.1:1", credentials, maxAttempts: 1 });
  const started = Date.now();
  for (const op of [() => s.put("x", bytes(1)), () => s.get("x"), () => s.stat("x"), () => s.delete("x")]) {
    await assert.rejects(op(), { code: "storage_unavailable", retryable: true });
  }
  await assert.rejects(
    async () => {
      for await (const _ of s.list("")) {
        /* nothing */
      }
    },
    { code: "storage_unavailable" },
  );
  assert.ok(Date.now() - started < 5000);
  s.close();
});

test("s3: a missing bucket is a misconfiguration, not a missing object", async (t) => {
  if (!needService(t, reachable, unreachableReason)) return;
  const s = new S3Storage({ bucket: `${bucket.name}-absent`, endpoint, credentials });
  t.after(() => s.close());
  await assert.rejects(s.get("x"), (e: Error) => e.name === "NoSuchBucket");
  await assert.rejects(s.put("x", bytes(1)), (e: Error) => e.name === "NoSuchBucket");
});

test("s3: wrong credentials are not retryable", async (t) => {
  if (!needService(t, reachable, unreachableReason)) return;
  await bucket.ensure();
  const s = new S3Storage({ bucket: bucket.name, endpoint, credentials: { accessKeyId: "nobody", secretAccessKey: "wrong" } });
  t.after(() => s.close());
  await assert.rejects(s.get("x"), (e: { retryable?: boolean; code?: string }) => e.retryable !== true && e.code !== "object_not_found");
});
