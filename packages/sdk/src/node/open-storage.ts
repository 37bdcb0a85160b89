/**
 * Turn a repository location into a Storage: `s3://bucket/prefix` → S3, anything else
 * → a local folder. Every backend is wrapped with retries and a concurrency limit. The
 * S3 client is loaded only when an S3 location is used (it costs ~180 ms to load).
 * A folder's file-system errors name the backup folder (`LocalFileError`, place
 * `repository`), a missing folder reads as "unreachable" (an unmounted drive), and the
 * first use sweeps temp files that crashed writers left (spec §8.1).
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type GetRange, ObjectNotFoundError, type ObjectInfo, type PutOptions, type Storage, withConcurrencyLimit, withRetry } from "@chatvault/storage";
import { StorageFolderMissingError } from "../errors.ts";
import { localFileError } from "./local-errors.ts";
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
        bucket,
        prefix,
        ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
        ...(opts.s3Region ? { region: opts.s3Region } : {}),
        forcePathStyle: opts.s3ForcePathStyle ?? !!opts.s3Endpoint,
        // Retrying lives in one place, the decorator below; SDK retries would multiply it.
        maxAttempts: 1,
      });
    });
  } else {
    base = folderStorage(resolve(location));
  }
  return withConcurrencyLimit(withRetry(base, { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 }), 8);
}

/** A Storage whose backend is built on first use. */
function lazyStorage(location: string, make: () => Promise<Storage>): Storage {
  let p: Promise<Storage> | undefined;
  const get = () => (p ??= make());
  return {
    location,
    async put(name: string, data: Uint8Array, options?: PutOptions) {
      return (await get()).put(name, data, options);
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

/**
 * The folder adapter, as the CLI and apps use it: sweeps stale temp files of crashed
 * puts on first use, tells a missing folder (an unmounted drive) from an empty one, and
 * turns raw errno errors into `LocalFileError`s that say which folder and what to do.
 */
function folderStorage(root: string): Storage {
  const fs = new FsStorage(root);
  let swept: Promise<boolean> | undefined;
  /** Whether the folder exists; the first time it does, sweep old temp files. */
  const exists = () =>
    (swept ??= stat(root).then(
      async (st) => {
        if (st.isDirectory()) await fs.cleanupTemp().catch(() => 0);
        return st.isDirectory();
      },
      () => false,
    ));
  const wrap = async <T>(op: () => Promise<T>): Promise<T> => {
    await exists();
    try {
      return await op();
    } catch (e) {
      if (
        e instanceof ObjectNotFoundError &&
        !(await stat(root).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        throw new StorageFolderMissingError(root);
      throw localFileError(e, "repository", root);
    }
  };
  return {
    location: fs.location,
    parallelPuts: fs.parallelPuts,
    put: (name, data, options) => wrap(() => fs.put(name, data, options)),
    get: (name, range) => wrap(() => fs.get(name, range)),
    getInto: (name, range, into) => wrap(() => fs.getInto(name, range, into)),
    stat: (name) => wrap(() => fs.stat(name)),
    async *list(prefix) {
      await exists();
      try {
        yield* fs.list(prefix);
      } catch (e) {
        throw localFileError(e, "repository", root);
      }
    },
    delete: (name) => wrap(() => fs.delete(name)),
  };
}
