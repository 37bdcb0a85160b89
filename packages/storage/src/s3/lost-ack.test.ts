import { test } from "node:test";
import assert from "node:assert/strict";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3Storage } from "./index.ts";

/** A fake S3Client: PutObject answers 412 after `attempts` tries; GetObject returns `stored`. */
function fakeClient(attempts: number, stored: Uint8Array): S3Client {
  return {
    async send(command: { constructor: { name: string } }) {
      if (command.constructor.name === "PutObjectCommand") {
        throw Object.assign(new Error("PreconditionFailed"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412, attempts } });
      }
      if (command.constructor.name === "GetObjectCommand") {
        return { Body: { transformToByteArray: async () => stored.slice() } };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
    destroy() {},
  } as unknown as S3Client;
}

test("s3 put: a 412 met by the SDK's own retry is our lost write when the bytes match", async () => {
  const data = new Uint8Array([1, 2, 3]);
  await new S3Storage({ bucket: "bkt", client: fakeClient(2, data) }).put("a", data);
  await assert.rejects(new S3Storage({ bucket: "bkt", client: fakeClient(2, new Uint8Array([9])) }).put("a", data), { code: "object_exists" });
  // First attempt 412: never our own write, no read-back.
  await assert.rejects(new S3Storage({ bucket: "bkt", client: fakeClient(1, data) }).put("a", data), { code: "object_exists" });
});
