/**
 * HTTP transport to one realm (spec/threshold-vault.md §5): one typed method per endpoint.
 * `fetch`, the per-realm account-token provider and the timeout are injected. Failures are
 * typed: `RealmUnreachableError` (network, timeout, 5xx — including `state_invalid`),
 * `RealmRequestError` (a typed 4xx), `RealmProtocolError` (a malformed answer).
 */
import {
  parseAdminResponse,
  parseEvaluateResponse,
  parseInfoResponse,
  parseProofResponse,
  parseRealmHead,
  parseRecordResponse,
  parseRegisterResponse,
  parseStartResponse,
  parseUnlockResponse,
} from "./codecs.ts";
import { type FetchLike, type JsonAnswer, requestJson } from "../json-request.ts";
import { RealmProtocolError, RealmRequestError, RealmUnreachableError } from "./errors.ts";
import type { RealmConfig } from "./realm-set.ts";
import {
  REALM_PATHS,
  isRealmErrorCode,
  type AdminRequest,
  type AdminResponse,
  type EvaluateRequest,
  type EvaluateResponse,
  type ProofRequest,
  type ProofResponse,
  type RealmHead,
  type RealmInfoResponse,
  type RealmRecordResponse,
  type RegisterRequest,
  type RegisterResponse,
  type StartRequest,
  type StartResponse,
  type UnlockRequest,
  type UnlockResponse,
} from "./wire.ts";

export type RealmFetch = FetchLike;
/** Returns the account token for this realm (each realm verifies its own issuer's tokens). */
export type RealmTokenProvider = (realm: RealmConfig) => string | Promise<string>;

export interface RealmTransportOptions {
  fetch?: RealmFetch;
  tokenFor: RealmTokenProvider;
  /** Per-request timeout; default 10 s. A timeout is `RealmUnreachableError`. */
  timeoutMs?: number;
}

/** The realm API as the client operations use it; the in-memory fake realm implements the same. */
export interface RealmApi {
  info(): Promise<RealmInfoResponse>;
  record(): Promise<RealmRecordResponse>;
  register(body: RegisterRequest): Promise<RegisterResponse>;
  evaluate(body: EvaluateRequest): Promise<EvaluateResponse>;
  /** §5.3.1 (chatvault-realm/3, only at a realm whose `/info` lists it): record and, when it applies, a counted evaluation. */
  start?(body: StartRequest): Promise<StartResponse>;
  /** §5.4.1: the proof of a pending attempt's evaluation; settles the attempt as failed. */
  proof(body: ProofRequest): Promise<ProofResponse>;
  unlock(body: UnlockRequest): Promise<UnlockResponse>;
  admin(body: AdminRequest): Promise<AdminResponse>;
  getHead(): Promise<RealmHead>;
  postHead(body: RealmHead): Promise<RealmHead>;
}

export class RealmTransport implements RealmApi {
  readonly realm: RealmConfig;
  readonly #base: string;
  readonly #fetch: RealmFetch;
  readonly #tokenFor: RealmTokenProvider;
  readonly #timeoutMs: number;

  constructor(realm: RealmConfig, options: RealmTransportOptions) {
    if (!/^https?:\/\//.test(realm.url)) throw new TypeError("realm url must be an http(s) URL");
    if (typeof options.tokenFor !== "function") throw new TypeError("tokenFor must be a function");
    this.realm = realm;
    this.#base = realm.url.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#tokenFor = options.tokenFor;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  info(): Promise<RealmInfoResponse> {
    return this.#call("GET", REALM_PATHS.info, undefined, parseInfoResponse, false);
  }
  record(): Promise<RealmRecordResponse> {
    return this.#call("GET", REALM_PATHS.record, undefined, parseRecordResponse);
  }
  register(body: RegisterRequest): Promise<RegisterResponse> {
    return this.#call("POST", REALM_PATHS.register, body, parseRegisterResponse);
  }
  evaluate(body: EvaluateRequest): Promise<EvaluateResponse> {
    return this.#call("POST", REALM_PATHS.evaluate, body, parseEvaluateResponse);
  }
  start(body: StartRequest): Promise<StartResponse> {
    return this.#call("POST", REALM_PATHS.start, body, parseStartResponse);
  }
  proof(body: ProofRequest): Promise<ProofResponse> {
    return this.#call("POST", REALM_PATHS.proof, body, parseProofResponse);
  }
  unlock(body: UnlockRequest): Promise<UnlockResponse> {
    return this.#call("POST", REALM_PATHS.unlock, body, parseUnlockResponse);
  }
  admin(body: AdminRequest): Promise<AdminResponse> {
    return this.#call("POST", REALM_PATHS.admin, body, parseAdminResponse);
  }
  getHead(): Promise<RealmHead> {
    return this.#call("GET", REALM_PATHS.head, undefined, parseRealmHead);
  }
  postHead(body: RealmHead): Promise<RealmHead> {
    return this.#call("POST", REALM_PATHS.head, body, parseRealmHead);
  }

  async #call<T>(method: "GET" | "POST", path: string, body: unknown, parse: (x: unknown) => T, auth = true): Promise<T> {
    const headers: Record<string, string> = auth ? { authorization: `Bearer ${await this.#tokenFor(this.realm)}` } : {};
    let answer: JsonAnswer;
    try {
      answer = await requestJson(this.#fetch, this.#base + path, { method, headers, body, timeoutMs: this.#timeoutMs });
    } catch (cause) {
      throw new RealmUnreachableError(`realm unreachable (${method} ${path})`, { cause });
    }
    if (!answer.ok) throw realmErrorFromResponse(answer.status, answer.body);
    return parse(answer.body);
  }
}

/** A non-2xx answer as a typed error (spec §5.8). */
export function realmErrorFromResponse(status: number, body: unknown): Error {
  const e = body !== null && typeof body === "object" ? (body as { error?: Record<string, unknown> }).error : undefined;
  const code = e && typeof e === "object" ? e.code : undefined;
  if (status >= 500 || status === 408) {
    const err = new RealmUnreachableError(`realm answered HTTP ${status}${typeof code === "string" && isRealmErrorCode(code) ? ` ${code}` : ""}`, { status });
    return Object.assign(err, { realmCode: isRealmErrorCode(code) ? code : undefined });
  }
  if (!isRealmErrorCode(code)) return new RealmProtocolError(`realm answered HTTP ${status} without a known error code`);
  const num = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  return new RealmRequestError(code, `realm refused: ${code}`, status, {
    attemptsRemaining: num(e!.attemptsRemaining),
    retryAfter: num(e!.retryAfter),
    current: e!.current,
    retryable: code === "locked" || code === "rate_limited" || code === "attempt_expired",
  });
}
