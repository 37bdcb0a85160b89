/**
 * Turn a repository location into a Storage: `s3://bucket/prefix` → S3, anything else
 * → a local folder. Every backend is wrapped with retries and a concurrency limit.
 */
import { resolve } from "node:path";
import { type Storage, withConcurrencyLimit, withRetry } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { S3Storage, parseS3Url } from "@chatvault/storage/s3";

export interface OpenStorageOptions {
  /** S3 endpoint for non-AWS services (radosgw, MinIO, R2). */
  s3Endpoint?: string;
  s3Region?: string;
  s3ForcePathStyle?: boolean;
}

export function openStorage(location: string, opts: OpenStorageOptions = {}): Storage {
  let base: Storage;
  if (location.startsWith("s3://")) {
    const { bucket, prefix } = parseS3Url(location);
    base = new S3Storage({
      bucket, prefix,
      ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
      ...(opts.s3Region ? { region: opts.s3Region } : {}),
      forcePathStyle: opts.s3ForcePathStyle ?? !!opts.s3Endpoint,
      // Retrying lives in one place, the decorator below; SDK retries would multiply it.
      maxAttempts: 1,
    });
  } else {
    base = new FsStorage(resolve(location));
  }
  return withConcurrencyLimit(withRetry(base, { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 }), 8);
}
