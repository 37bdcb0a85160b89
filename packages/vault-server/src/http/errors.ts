/**
 * One HTTP error class and one mapping to the wire's error body (spec/vault-protocol.md §8).
 * Messages are fixed strings chosen here: nothing from the request is ever echoed.
 */
import { VAULT_ERROR_STATUS, type ErrorBody, type VaultErrorCode } from "@chatvault/vault-protocol";

export class HttpError extends Error {
  readonly status: number;
  /** Seconds for the `Retry-After` header (computed by the thrower, in the clock that applies). */
  retryAfterSeconds: number | undefined;
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly extra: Omit<ErrorBody["error"], "code" | "message"> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = VAULT_ERROR_STATUS[code];
  }

  /** Set `Retry-After` from a time and the "now" of the same clock. */
  retryAt(time: number, now: number): this {
    this.retryAfterSeconds = Math.max(0, Math.ceil((time - now) / 1000));
    return this;
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

export const badRequest = (message: string) => new HttpError("bad_request", message);

/** Map fastify's own client errors (body parsing, size, media type, validation) to ours. */
export function fromFastifyError(err: { statusCode?: number; code?: string; validation?: unknown }): HttpError | null {
  const status = err.statusCode;
  if (err.validation) return badRequest("request body does not match the schema");
  if (status === 413) return new HttpError("payload_too_large", "request body is too large");
  if (status === 415) return new HttpError("unsupported_media_type", "request body must be application/json");
  if (status === 404) return new HttpError("not_found", "no such endpoint");
  if (status !== undefined && status >= 400 && status < 500) {
    if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return badRequest("request body is empty");
    if (err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err.code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH") return badRequest("request body is not valid JSON");
    return badRequest("bad request");
  }
  return null;
}
