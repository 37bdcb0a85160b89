/**
 * S3 storage (`@chatvault/storage/s3`): objects are keys `prefix + name` in one bucket of any
 * S3-compatible service (AWS, Ceph radosgw, …). Node only (the SDK's Node HTTP handler).
 *
 * Create-only puts use `If-None-Match: *` (a 412 answer means the name is taken). Objects
 * above `multipartThreshold` go multipart, where radosgw cannot enforce create-only: see
 * multipart.ts and the README's "Known limits".
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { ObjectExistsError, ObjectNotFoundError } from "../errors.ts";
import { checkListPrefix, checkObjectName, checkRange, isValidObjectName } from "../names.ts";
import type { GetRange, ObjectInfo, Storage } from "../types.ts";
import { attempts, isInvalidRange, mapS3Error } from "./errors.ts";
import { putMultipart } from "./multipart.ts";
import { checkBucketName, displayEndpoint, normalizePrefix } from "./url.ts";

export { parseS3Url, type S3Location } from "./url.ts";

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last); also our smallest threshold. */
const MIN_PART = 5 * MiB;

/** Options of `S3Storage`. */
export interface S3StorageOptions {
  bucket: string;
  /** Key prefix under which all names live ("" or e.g. "backups/alice"; a trailing "/" is added). */
  prefix?: string;
  /** Service URL, e.g. http://127.0.0.1:7480; omit for AWS. */
  endpoint?: string;
  /** Default "us-east-1" (what radosgw and most S3-compatible services accept). */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`). Default: true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Keys or a provider. Default: the SDK's standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, …). */
  credentials?: NonNullable<S3ClientConfig["credentials"]>;
  /** Objects larger than this go multipart (default 16 MiB, at least 5 MiB). */
  multipartThreshold?: number;
  /** Multipart part size (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel (default 4). */
  partConcurrency?: number;
  /** Attempts per HTTP request inside the SDK, incl. throttling backoff (default 3; 1 leaves all retrying to `withRetry`). */
  maxAttempts?: number;
  /** Give up on a connection attempt after this long (default 5 s). */
  connectionTimeoutMs?: number;
  /** Give up when a socket stays idle this long (default 30 s); without it a stalled request hangs forever. */
  requestTimeoutMs?: number;
  /** Use this client instead of building one (then endpoint/region/credentials/timeouts are ignored). */
  client?: S3Client;
}

function checkSize(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${option} must be an integer of at least ${min}`);
  return value;
}

/** A `Storage` in an S3 bucket under a key prefix. The bucket must exist. */
export class S3Storage implements Storage {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;

  constructor(options: S3StorageOptions) {
    checkBucketName(options.bucket);
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? "");
    this.#threshold = checkSize("multipartThreshold", options.multipartThreshold ?? 16 * MiB, MIN_PART);
    this.#partSize = checkSize("partSize", options.partSize ?? 8 * MiB, MIN_PART);
    this.#partConcurrency = checkSize("partConcurrency", options.partConcurrency ?? 4, 1);
    this.client =
      options.client ??
      new S3Client({
        region: options.region ?? "us-east-1",
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        maxAttempts: options.maxAttempts ?? 3,
        requestHandler: {
          connectionTimeout: options.connectionTimeoutMs ?? 5_000,
          requestTimeout: options.requestTimeoutMs ?? 30_000,
        },
      });
    // Built from parts we checked, never from a user-supplied URL string: no credentials.
    const at = options.endpoint === undefined ? "" : ` at ${displayEndpoint(options.endpoint)}`;
    this.location = `s3://${this.bucket}/${this.prefix}${at}`;
  }

  #key(name: string): string {
    return this.prefix + name;
  }

  async put(name: string, data: Uint8Array): Promise<void> {
    checkObjectName(name);
    if (data.length > this.#threshold) {
      return putMultipart(
        {
          client: this.client,
          bucket: this.bucket,
          key: this.#key(name),
          name,
          partSize: this.#partSize,
          partConcurrency: this.#partConcurrency,
        },
        data,
      );
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.#key(name),
          Body: data,
          ContentLength: data.length,
          IfNoneMatch: "*",
        }),
      );
    } catch (error) {
      const mapped = mapS3Error(error, "put", name);
      if (mapped instanceof ObjectExistsError && attempts(error) > 1 && (await this.#holds(name, data))) return;
      throw mapped;
    }
  }

  /**
   * True when `name` holds exactly `data`. Used when the SDK's own retry of our put met a
   * 412: the first attempt may have been stored with its answer lost, and then the
   * "existing" object is our own write.
   */
  async #holds(name: string, data: Uint8Array): Promise<boolean> {
    const existing = await this.get(name).catch(() => undefined);
    return existing !== undefined && existing.length === data.length && existing.every((b, i) => b === data[i]);
  }

  async get(name: string, range?: GetRange): Promise<Uint8Array> {
    checkObjectName(name);
    if (range) checkRange(range);
    // "bytes=a-(a-1)" is not a valid range: for an empty range only existence matters.
    if (range?.length === 0) return this.stat(name).then(() => new Uint8Array(0));
    const header = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(name), Range: header }));
      const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
      // A server that ignores Range answers 200 with the whole object: cut it ourselves.
      if (range && r.ContentRange === undefined && bytes.length > range.length) {
        return bytes.slice(range.offset, range.offset + range.length);
      }
      return bytes;
    } catch (error) {
      // 416: the range starts at or past the end (incl. any range of an empty object).
      if (range && isInvalidRange(error)) return this.stat(name).then(() => new Uint8Array(0));
      throw mapS3Error(error, "get", name);
    }
  }

  async stat(name: string): Promise<ObjectInfo> {
    checkObjectName(name);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(name) }));
      return { name, size: r.ContentLength ?? 0 };
    } catch (error) {
      throw mapS3Error(error, "stat", name);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkListPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.#key(prefix),
            ContinuationToken: token,
          }),
        )
        .catch((error: unknown) => {
          throw mapS3Error(error, "list", prefix);
        });
      for (const item of page.Contents ?? []) {
        const name = item.Key?.slice(this.prefix.length);
        // Keys no put of ours could have made (written by other tools) are not objects.
        if (name !== undefined && isValidObjectName(name)) yield { name, size: item.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Idempotent: S3 answers 204 for a missing key too. */
  async delete(name: string): Promise<void> {
    checkObjectName(name);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(name) }));
    } catch (error) {
      const mapped = mapS3Error(error, "delete", name);
      if (mapped instanceof ObjectNotFoundError) return;
      throw mapped;
    }
  }

  /** Closes the SDK's sockets (only needed to let a short-lived process exit promptly). */
  close(): void {
    this.client.destroy();
  }
}
