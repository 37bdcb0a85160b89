/**
 * Maps AWS SDK errors onto the storage errors. The SDK throws `S3ServiceException`s with
 * `name` = S3 error code and `$metadata.httpStatusCode`, and plain Node errors (`code` =
 * errno) for network failures.
 */
import { ObjectExistsError, ObjectNotFoundError, StorageUnavailableError } from "../errors.ts";

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** Error names (S3 codes, SDK timeouts) after which a retry can succeed. */
const TRANSIENT_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ServiceUnavailable",
  "InternalError",
  // AWS: another conditional write of the same key is in flight; a retry gets a definite answer.
  "ConditionalRequestConflict",
]);
/** Node network errnos: connection refused/reset, DNS down, offline. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function parts(error: unknown): { name: string; code: string; status: number | undefined; retryable: boolean } {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  return {
    name: typeof e.name === "string" ? e.name : "",
    code: typeof e.code === "string" ? e.code : "",
    status: typeof status === "number" ? status : undefined,
    retryable: e.$retryable !== undefined && e.$retryable !== null,
  };
}

/** How many HTTP attempts the SDK made before this error (1 when it did not retry). */
export function attempts(error: unknown): number {
  const n = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof n === "number" ? n : 1;
}

/** True when `error` means S3 answered "no such object" (but not "no such bucket": that is a misconfiguration). */
export function isMissingObject(error: unknown): boolean {
  const { name, status } = parts(error);
  return name === "NoSuchKey" || (status === 404 && name !== "NoSuchBucket" && name !== "NoSuchUpload");
}

/** True when `error` is S3's 412 for a failed `If-None-Match: *`. */
export function isPreconditionFailed(error: unknown): boolean {
  const { name, status } = parts(error);
  return status === 412 || name === "PreconditionFailed";
}

/** True when `error` is a 416 for a range that starts at or past the end of the object. */
export function isInvalidRange(error: unknown): boolean {
  const { name, status } = parts(error);
  return status === 416 || name === "InvalidRange";
}

/** True when retrying can help: network trouble, timeouts, throttling, 5xx. */
export function isTransient(error: unknown): boolean {
  const { name, code, status, retryable } = parts(error);
  return retryable || TRANSIENT_NAMES.has(name) || NETWORK_CODES.has(code) || status === 429 || (status !== undefined && status >= 500);
}

/**
 * The storage error for an SDK error during `op` on object `name`, or the SDK error itself
 * when it is none of ours (access denied, no such bucket, bad request: not retryable).
 */
export function mapS3Error(error: unknown, op: string, name: string): unknown {
  if (isPreconditionFailed(error) && op === "put") return new ObjectExistsError(name, { cause: error });
  if (isMissingObject(error) && op !== "put") return new ObjectNotFoundError(name, { cause: error });
  if (isTransient(error)) {
    const { name: errName, code, status } = parts(error);
    const why = [errName, code, status].filter((x) => x !== "" && x !== undefined).join(" ");
    return new StorageUnavailableError(`${op} ${name}: S3 unavailable (${why || "network error"})`, { cause: error });
  }
  return error;
}
