import { test } from "node:test";
import assert from "node:assert/strict";
import { ObjectExistsError, ObjectNotFoundError, StorageUnavailableError } from "../errors.ts";
import { mapS3Error } from "./errors.ts";

/** An error shaped like the SDK's S3ServiceException. */
function sdkError(name: string, status?: number, extra: object = {}): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
}

test("mapS3Error: 412 on put → ObjectExistsError; 404/NoSuchKey → ObjectNotFoundError", () => {
  assert.ok(mapS3Error(sdkError("PreconditionFailed", 412), "put", "a") instanceof ObjectExistsError);
  assert.ok(mapS3Error(sdkError("NoSuchKey", 404), "get", "a") instanceof ObjectNotFoundError);
  assert.ok(mapS3Error(sdkError("NotFound", 404), "stat", "a") instanceof ObjectNotFoundError);
});

test("mapS3Error: NoSuchBucket and AccessDenied pass through (misconfiguration, not retryable)", () => {
  for (const e of [sdkError("NoSuchBucket", 404), sdkError("AccessDenied", 403), sdkError("InvalidAccessKeyId", 403)]) {
    assert.equal(mapS3Error(e, "get", "a"), e);
  }
});

test("mapS3Error: 5xx, throttling, timeouts and network errors → StorageUnavailableError", () => {
  const transient = [
    sdkError("InternalError", 500),
    sdkError("ServiceUnavailable", 503),
    sdkError("SlowDown", 503),
    sdkError("Whatever", 429),
    sdkError("RequestTimeout", 400),
    sdkError("ConditionalRequestConflict", 409),
    sdkError("TimeoutError"),
    Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    sdkError("Odd", 400, { $retryable: { throttling: true } }),
  ];
  for (const e of transient) {
    const mapped = mapS3Error(e, "get", "obj");
    assert.ok(mapped instanceof StorageUnavailableError, String(e));
    assert.equal(mapped.retryable, true);
    assert.equal(mapped.cause, e);
  }
});
