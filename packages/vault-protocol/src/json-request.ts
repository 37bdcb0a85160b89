/**
 * One JSON request over an injected `fetch`, with a timeout: what both transports (the
 * single vault's and each realm's) do before they map the answer to their own types and
 * errors. A network failure or timeout rejects with the fetch's error (callers wrap it in
 * their retryable "unreachable" error); any HTTP answer resolves, with its body parsed as
 * JSON when it is JSON (else `undefined`).
 */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

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
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), request.timeoutMs);
  try {
    const res = await fetch(url, {
      method: request.method,
      headers,
      signal: ac.signal,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text.length ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { ok: res.ok, status: res.status, body, retryAfter: res.headers.get("retry-after") };
  } finally {
    clearTimeout(timer);
  }
}
