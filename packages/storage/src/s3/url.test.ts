import { test } from "node:test";
import assert from "node:assert/strict";
import { displayEndpoint, normalizePrefix, parseS3Url } from "./url.ts";

test("parseS3Url: bucket and normalised prefix", () => {
  assert.deepEqual(parseS3Url("s3://my-bucket"), { bucket: "my-bucket", prefix: "" });
  assert.deepEqual(parseS3Url("s3://my-bucket/"), { bucket: "my-bucket", prefix: "" });
  assert.deepEqual(parseS3Url("s3://my.bucket/backups/alice"), { bucket: "my.bucket", prefix: "backups/alice/" });
  assert.deepEqual(parseS3Url("s3://b12/x/"), { bucket: "b12", prefix: "x/" });
});

test("parseS3Url: refuses bad URLs without echoing them", () => {
  for (const bad of [
    "http://b/x",
    "s3:/b",
    "s3://",
    "s3://B/x",
    "s3://ab",
    "s3://b..c",
    "s3://bucket/a//b",
    "s3://bucket/../x",
    "s3://bucket/x?y",
    "s3://bucket/a b",
  ]) {
    assert.throws(() => parseS3Url(bad), TypeError, bad);
  }
  assert.throws(
    () => parseS3Url("s3://AKIAX:hunter2@bucket/x"),
    (e: Error) => e instanceof TypeError && !e.message.includes("hunter2"),
  );
});

test("normalizePrefix and displayEndpoint", () => {
  assert.equal(normalizePrefix("/a/b/"), "a/b/");
  assert.equal(normalizePrefix(""), "");
  assert.throws(() => normalizePrefix("a/../b"), TypeError);
  assert.equal(displayEndpoint("https://user:pass@s3.example.com:9000/base?X-Amz-Signature=abc#f"), "https://s3.example.com:9000/base");
  assert.equal(displayEndpoint("not a url"), "(invalid endpoint)");
});
