/**
 * HTTP transport of the vault protocol: one typed method per endpoint, nothing else.
 * `fetch` and the account-token provider are injected (spec/vault-protocol.md §4):
 * browsers pass `globalThis.fetch`, load generators a keep-alive fetch, tests a fake.
 */
import {
  parseBackupHead,
  parseHeadKeyRegisteredResponse,
  parseLoginFinishResponse,
  parseLoginStartResponse,
  parseRecordDeletedResponse,
  parseRecordWrittenResponse,
  parseRegistrationStartResponse,
  parseStatusResponse,
} from "./codecs.ts";
import { VaultUnavailableError, errorFromResponse } from "./errors.ts";
import { type FetchAnswer, type FetchLike, type JsonAnswer, requestJson } from "./json-request.ts";
import {
  VAULT_PATHS,
  type BackupHead,
  type HeadAdvanceRequest,
  type HeadKeyRegisterRequest,
  type HeadKeyRegisteredResponse,
  type LoginFinishRequest,
  type LoginFinishResponse,
  type LoginStartRequest,
  type LoginStartResponse,
  type RecordDeleteRequest,
  type RecordDeletedResponse,
  type RecordReplaceRequest,
  type RecordWrittenResponse,
  type RegistrationFinishRequest,
  type RegistrationStartRequest,
  type RegistrationStartResponse,
  type StatusResponse,
} from "./wire.ts";

/** Returns the account token (a JWT whose `sub` is the account ID); called before every request. */
export type TokenProvider = () => string | Promise<string>;
export type { FetchAnswer, FetchLike };

export interface VaultTransportOptions {
  /** Base URL of the vault, e.g. `http://127.0.0.1:8471`. */
  baseUrl: string;
  token: TokenProvider;
  fetch?: FetchLike;
  /** Per-request timeout; default 30 s. A timeout is a retryable `VaultUnavailableError`. */
  timeoutMs?: number;
}

/** Low-level, load-friendly access to each endpoint. Throws typed `VaultError`s. */
export class VaultTransport {
  readonly #base: string;
  readonly #token: TokenProvider;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(options: VaultTransportOptions) {
    if (typeof options.baseUrl !== "string" || !/^https?:\/\//.test(options.baseUrl)) throw new TypeError("baseUrl must be an http(s) URL");
    if (typeof options.token !== "function") throw new TypeError("token must be a function returning the account token");
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  registrationStart(body: RegistrationStartRequest): Promise<RegistrationStartResponse> {
    return this.#call("POST", VAULT_PATHS.registrationStart, body, parseRegistrationStartResponse);
  }
  registrationFinish(body: RegistrationFinishRequest): Promise<RecordWrittenResponse> {
    return this.#call("POST", VAULT_PATHS.registrationFinish, body, parseRecordWrittenResponse);
  }
  loginStart(body: LoginStartRequest): Promise<LoginStartResponse> {
    return this.#call("POST", VAULT_PATHS.loginStart, body, parseLoginStartResponse);
  }
  loginFinish(body: LoginFinishRequest): Promise<LoginFinishResponse> {
    return this.#call("POST", VAULT_PATHS.loginFinish, body, parseLoginFinishResponse);
  }
  recordReplace(body: RecordReplaceRequest): Promise<RecordWrittenResponse> {
    return this.#call("POST", VAULT_PATHS.recordReplace, body, parseRecordWrittenResponse);
  }
  recordDelete(body: RecordDeleteRequest): Promise<RecordDeletedResponse> {
    return this.#call("POST", VAULT_PATHS.recordDelete, body, parseRecordDeletedResponse);
  }
  registerHeadKey(body: HeadKeyRegisterRequest): Promise<HeadKeyRegisteredResponse> {
    return this.#call("POST", VAULT_PATHS.headKey, body, parseHeadKeyRegisteredResponse);
  }
  status(): Promise<StatusResponse> {
    return this.#call("GET", VAULT_PATHS.status, undefined, parseStatusResponse);
  }
  getHead(): Promise<BackupHead> {
    return this.#call("GET", VAULT_PATHS.head, undefined, parseBackupHead);
  }
  advanceHead(body: HeadAdvanceRequest): Promise<BackupHead> {
    return this.#call("POST", VAULT_PATHS.head, body, parseBackupHead);
  }

  async #call<T>(method: "GET" | "POST", path: string, body: unknown, parse: (x: unknown) => T): Promise<T> {
    const token = await this.#token();
    let answer: JsonAnswer;
    try {
      answer = await requestJson(this.#fetch, this.#base + path, { method, headers: { authorization: `Bearer ${token}` }, body, timeoutMs: this.#timeoutMs });
    } catch (cause) {
      throw new VaultUnavailableError(`no answer from ${this.#base} (${method} ${path})`, { cause });
    }
    if (!answer.ok) throw errorFromResponse(answer.status, answer.body, answer.retryAfter);
    return parse(answer.body);
  }
}
