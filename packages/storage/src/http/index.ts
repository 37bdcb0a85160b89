/**
 * HTTP storage (`@chatvault/storage/http`): a `Storage` on a server's object API, for
 * browsers (the web messenger) and any client that cannot reach S3 or a folder itself.
 * Browser-safe: `fetch` and the bearer-token provider are injected; nothing from Node.
 *
 * Wire protocol (the web demo server implements it; docs/web.md "Storage API"):
 * - `PUT  {base}/<name>` with `If-None-Match: *`, body = the object: 201, or 409 when the
 *   name is taken (create-only). The server stores atomically (whole object or nothing).
 * - `GET  {base}/<name>` [`Range: bytes=a-b`]: 200 or 206 with the bytes; 416 when the range
 *   starts at or past the end (= no bytes); 404 when missing.
 * - `HEAD {base}/<name>`: 200 with `Content-Length` = size; 404 when missing.
 * - `DELETE {base}/<name>`: 204 (also when missing: delete is idempotent).
 * - `GET  {base}?prefix=P[&after=N]`: 200 `{"objects":[{"name","size"}], "next": N|null}`,
 *   sorted by name; `next` is the cursor of the following page.
 * - Errors are JSON `{"error":{"code","message"}}`: 400 `invalid_object_name`, 401
 *   `unauthorized`, 413 `too_large`; 429 and 5xx mean "try later".
 * Names are checked here before any request, with the one validator every adapter uses.
 */
import { InvalidObjectNameError, ObjectExistsError, ObjectNotFoundError, StorageError, StorageUnavailableError } from "../errors.ts";
import { checkListPrefix, checkObjectName, checkRange } from "../names.ts";
import type { GetRange, ObjectInfo, Storage } from "../types.ts";

/** Returns the bearer token; called before every request (so an expired token can be renewed). */
export type HttpTokenProvider = () => string | Promise<string>;

/** The subset of `fetch` this adapter uses (browsers pass `globalThis.fetch`, tests a fake). */
export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpStorageOptions {
  /** URL of the object API, e.g. `https://chat.example/api/storage` (no trailing slash needed). */
  baseUrl: string;
  /** Bearer token for the `Authorization` header; omit for an API without auth. */
  token?: HttpTokenProvider;
  fetch?: HttpFetch;
  /** Per-request timeout (default 120 s: a pack is several MiB on a phone's uplink). */
  timeoutMs?: number;
}

type Operation = "put" | "get" | "stat" | "list" | "delete";

/** A `Storage` reached over HTTP. `location` is the base URL (it never holds the token). */
export class HttpStorage implements Storage {
  readonly location: string;
  readonly #base: string;
  readonly #token: HttpTokenProvider | undefined;
  readonly #fetch: HttpFetch;
  readonly #timeoutMs: number;

  constructor(options: HttpStorageOptions) {
    if (typeof options.baseUrl !== "string" || !/^https?:\/\//.test(options.baseUrl)) throw new TypeError("baseUrl must be an http(s) URL");
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.location = this.#base;
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  async put(name: string, data: Uint8Array): Promise<void> {
    checkObjectName(name);
    // Copy into a fresh ArrayBuffer: the body must not change if the caller reuses `data`
    // while the request is still being sent.
    const body = data.slice().buffer;
    const res = await this.#request("put", name, this.#objectUrl(name), {
      method: "PUT",
      body,
      headers: { "content-type": "application/octet-stream", "if-none-match": "*" },
    });
    if (res.status === 201 || res.status === 200 || res.status === 204) return discard(res);
    if (res.status === 409 || res.status === 412) {
      await discard(res);
      throw new ObjectExistsError(name);
    }
    throw await this.#failure("put", name, res);
  }

  async get(name: string, range?: GetRange): Promise<Uint8Array> {
    checkObjectName(name);
    if (range) checkRange(range);
    // HTTP cannot ask for zero bytes; an empty range still has to say whether the object exists.
    if (range && range.length === 0) {
      await this.stat(name);
      return new Uint8Array(0);
    }
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.offset}-${Math.min(Number.MAX_SAFE_INTEGER, range.offset + range.length - 1)}`;
    const res = await this.#request("get", name, this.#objectUrl(name), { method: "GET", headers });
    if (res.status === 416) {
      await discard(res);
      return new Uint8Array(0);
    }
    if (res.status !== 200 && res.status !== 206) throw await this.#failure("get", name, res);
    const bytes = new Uint8Array(await this.#body("get", name, res));
    // A server (or proxy) may ignore Range and send the whole object: cut it here.
    if (range && res.status === 200) return bytes.slice(range.offset, range.offset + range.length);
    return bytes;
  }

  async stat(name: string): Promise<ObjectInfo> {
    checkObjectName(name);
    const res = await this.#request("stat", name, this.#objectUrl(name), { method: "HEAD" });
    if (res.status !== 200) throw await this.#failure("stat", name, res);
    const size = Number(res.headers.get("content-length"));
    if (!Number.isSafeInteger(size) || size < 0) throw new StorageUnavailableError(`stat ${name}: the server sent no object size`);
    return { name, size };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkListPrefix(prefix);
    let after: string | null = null;
    do {
      const q = new URLSearchParams({ prefix });
      if (after !== null) q.set("after", after);
      const res = await this.#request("list", prefix, `${this.#base}?${q}`, { method: "GET", headers: { accept: "application/json" } });
      if (res.status !== 200) throw await this.#failure("list", prefix, res);
      const page = parseListPage(await this.#text("list", prefix, res), prefix);
      // Cursors only move forward, so a confused server cannot make this loop forever.
      if (page.next !== null && after !== null && page.next <= after)
        throw new StorageUnavailableError(`list ${prefix}: the storage server's cursor went backwards`);
      yield* page.objects;
      after = page.next;
    } while (after !== null);
  }

  async delete(name: string): Promise<void> {
    checkObjectName(name);
    const res = await this.#request("delete", name, this.#objectUrl(name), { method: "DELETE" });
    if (res.status === 204 || res.status === 200 || res.status === 404) return discard(res);
    throw await this.#failure("delete", name, res);
  }

  #objectUrl(name: string): string {
    // Valid names need no escaping; encoding each segment anyway keeps the URL honest.
    return `${this.#base}/${name.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** One request with auth and a timeout; network failures and timeouts are retryable. */
  async #request(op: Operation, name: string, url: string, init: RequestInit): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (this.#token) headers.authorization = `Bearer ${await this.#token()}`;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.#timeoutMs);
    try {
      // no-store: a cached listing or object would hide what the server holds now.
      return await this.#fetch(url, { ...init, headers, signal: ac.signal, cache: "no-store", credentials: "omit" });
    } catch (cause) {
      throw new StorageUnavailableError(`${op} ${name}: storage server unreachable`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  async #body(op: Operation, name: string, res: Response): Promise<ArrayBuffer> {
    try {
      return await res.arrayBuffer();
    } catch (cause) {
      throw new StorageUnavailableError(`${op} ${name}: the connection broke while reading`, { cause });
    }
  }

  async #text(op: Operation, name: string, res: Response): Promise<string> {
    return new TextDecoder().decode(await this.#body(op, name, res));
  }

  /** The typed error for a non-success answer. */
  async #failure(op: Operation, name: string, res: Response): Promise<Error> {
    const code = errorCode(await res.text().catch(() => ""));
    const status = res.status;
    if (status === 404 && op !== "put" && op !== "list") return new ObjectNotFoundError(name);
    if (status === 400 && code === "invalid_object_name") return new InvalidObjectNameError(`invalid object name (refused by the server): ${name}`);
    if (status === 408 || status === 429 || status >= 500) return new StorageUnavailableError(`${op} ${name}: storage server answered HTTP ${status}`);
    if (status === 401 || status === 403)
      return new StorageError("unauthorized", `${op} ${name}: the storage server refused the account token (HTTP ${status})`);
    if (status === 413) return new StorageError("too_large", `${op} ${name}: the object is larger than the storage server accepts`);
    return new StorageError("http_error", `${op} ${name}: storage server answered HTTP ${status}${code ? ` (${code})` : ""}`);
  }
}

async function discard(res: Response): Promise<void> {
  // Read the (empty) body so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined);
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

interface ListPage {
  objects: ObjectInfo[];
  next: string | null;
}

/** Parse and check a listing page: a server must not smuggle names outside the prefix. */
function parseListPage(text: string, prefix: string): ListPage {
  const bad = (why: string) => new StorageUnavailableError(`list ${prefix}: malformed listing from the storage server (${why})`);
  let j: { objects?: unknown; next?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw bad("not JSON");
  }
  if (!Array.isArray(j.objects)) throw bad("no objects");
  const objects: ObjectInfo[] = [];
  for (const o of j.objects as Array<{ name?: unknown; size?: unknown }>) {
    if (typeof o?.name !== "string" || !o.name.startsWith(prefix) || !Number.isSafeInteger(o.size) || (o.size as number) < 0) throw bad("bad entry");
    objects.push({ name: o.name, size: o.size as number });
  }
  if (j.next !== null && j.next !== undefined && typeof j.next !== "string") throw bad("bad cursor");
  return { objects, next: typeof j.next === "string" ? j.next : null };
}
