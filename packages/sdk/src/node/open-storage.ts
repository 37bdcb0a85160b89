/**
 * Turn a repository location into a Storage: `s3://bucket/prefix` → S3, anything else
 * → a local folder. Every backend is wrapped with retries and a concurrency limit. The
 * S3 client is loaded only when an S3 location is used (it costs ~180 ms to load).
 */
import { resolve } from "node:path";
import { type GetRange, type ObjectInfo, type Storage, withConcurrencyLimit, withRetry } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { parseS3Url } from "@chatvault/storage/s3-url";

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
    base = lazyStorage(location, async () => {
      const { S3Storage } = await import("@chatvault/storage/s3");
      return new S3Storage({
        bucket, prefix,
        ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
        ...(opts.s3Region ? { region: opts.s3Region } : {}),
        forcePathStyle: opts.s3ForcePathStyle ?? !!opts.s3Endpoint,
        // Retrying lives in one place, the decorator below; SDK retries would multiply it.
        maxAttempts: 1,
      });
    });
  } else {
    base = new FsStorage(resolve(location));
  }
  return withConcurrencyLimit(withRetry(base, { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 }), 8);
}

/** A Storage whose backend is built on first use. */
function lazyStorage(location: string, make: () => Promise<Storage>): Storage {
  let p: Promise<Storage> | undefined;
  const get = () => (p ??= make());
  return {
    location,
    async put(name: string, data: Uint8Array) {
      return (await get()).put(name, data);
    },
    async get(name: string, range?: GetRange) {
      return (await get()).get(name, range);
    },
    async stat(name: string): Promise<ObjectInfo> {
      return (await get()).stat(name);
    },
    async *list(prefix: string) {
      yield* (await get()).list(prefix);
    },
    async delete(name: string) {
      return (await get()).delete(name);
    },
  };
}
