/**
 * One JSON request over an injected `fetch`, with a timeout: what both transports (the
 * single vault's and each realm's) do before they map the answer to their own types and
 * errors. A network failure or timeout rejects with the fetch's error (callers wrap it in
 * their retryable "unreachable" error); any HTTP answer resolves, with its body parsed as
 * JSON when it is JSON (else `undefined`).
 */

/**
 * What `requestJson` reads of an answer: a WHATWG `Response` has all of it (so `globalThis.fetch`
 * fits), and a load generator may return only this (no `Response`/`Headers` per request).
 */
export interface FetchAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /**
   * Given only to a fetch that declares `enforcesTimeout` (and then without `signal`): it must
   * reject when the whole answer, body included, has not arrived within this many milliseconds.
   */
  timeoutMs?: number;
}

export type FetchLike = ((input: string, init: FetchInit) => Promise<FetchAnswer>) & {
  /**
   * True when the fetch enforces `init.timeoutMs` itself and resolves only once the body has been
   * read (e.g. the keep-alive load client): `requestJson` then skips its own `AbortController` and
   * timer per request. Any other fetch gets an abort signal that fires at the timeout.
   */
  readonly enforcesTimeout?: boolean;
};

export interface JsonAnswer {
  ok: boolean;
  status: number;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  /** The `Retry-After` header, as sent. */
  retryAfter: string | null;
}

export async function requestJson(
  fetch: FetchLike,
  url: string,
  request: { method: "GET" | "POST"; headers: Record<string, string>; body?: unknown; timeoutMs: number },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  const init: FetchInit = { method: request.method, headers };
  if (request.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(request.body);
  }
  if (fetch.enforcesTimeout === true) {
    init.timeoutMs = request.timeoutMs;
    return answerOf(await fetch(url, init));
  }
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), request.timeoutMs);
  init.signal = ac.signal;
  try {
    // The body is read before the timer is cleared: a stalled body times out like a stalled answer.
    return await answerOf(await fetch(url, init));
  } finally {
    clearTimeout(timer);
  }
}

async function answerOf(res: FetchAnswer): Promise<JsonAnswer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text.length ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { ok: res.ok, status: res.status, body, retryAfter: res.headers.get("retry-after") };
}
