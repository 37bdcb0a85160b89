/**
 * `s3://bucket/prefix` URLs and credential-free display of endpoints.
 * Error messages here never echo the input: a mistyped URL may carry a secret.
 */
import { checkListPrefix } from "../names.ts";

/** Bucket and key prefix of an S3 location. `prefix` is "" or ends with "/". */
export interface S3Location {
  bucket: string;
  prefix: string;
}

// S3 bucket naming rules (lowercase DNS-style labels, 3–63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Throws `TypeError` unless `bucket` follows the S3 bucket naming rules. */
export function checkBucketName(bucket: string): void {
  if (!BUCKET.test(bucket) || bucket.includes("..")) {
    throw new TypeError("bucket must be 3-63 characters of a-z 0-9 . - (S3 bucket naming rules)");
  }
}

/**
 * Normalises a key prefix to "" or "segment/.../" and checks it with the object-name rules,
 * so every key we write is `prefix + name` with both parts valid.
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return "";
  try {
    checkListPrefix(`${trimmed}/`);
  } catch {
    throw new TypeError("prefix must be '/'-separated segments of A-Z a-z 0-9 . _ -");
  }
  return `${trimmed}/`;
}

/**
 * Parses `s3://bucket` or `s3://bucket/some/prefix`. Credentials in the URL
 * (`s3://key:secret@bucket`) are refused: they would end up in shell history and logs.
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/.exec(url);
  if (!match) throw new TypeError("expected an S3 URL of the form s3://bucket/prefix");
  const host = match[1] ?? "";
  if (host.includes("@")) throw new TypeError("S3 URLs must not contain credentials; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
  checkBucketName(host);
  return { bucket: host, prefix: normalizePrefix(match[2] ?? "") };
}

/** `endpoint` without user info, query or fragment: safe to show. */
export function displayEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(invalid endpoint)";
  }
}
