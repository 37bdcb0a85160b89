/**
 * requestJson (json-request.ts): the request it builds, how it reads the answer, and who
 * enforces the timeout — its own abort signal for any fetch (a stalled body included), the
 * fetch itself when it declares `enforcesTimeout` (then `timeoutMs` and no signal).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { requestJson, type FetchAnswer, type FetchInit, type FetchLike } from "./json-request.ts";

const answer = (status: number, text: string, headers: Record<string, string> = {}): FetchAnswer => ({
  ok: status >= 200 && status < 300,
  status,
  headers: { get: (n) => headers[n.toLowerCase()] ?? null },
  text: () => Promise.resolve(text),
});

test("the request: JSON body with its content type, accept, the caller's headers", async () => {
  const seen: FetchInit[] = [];
  const f: FetchLike = async (_u, init) => {
    seen.push(init);
    return new Response('{"a":1}', { status: 200 });
  };
  const a = await requestJson(f, "http://x/p", { method: "POST", headers: { authorization: "Bearer t" }, body: { b: [2] }, timeoutMs: 1000 });
  assert.deepEqual(a, { ok: true, status: 200, body: { a: 1 }, retryAfter: null });
  assert.deepEqual(seen[0]!.headers, { accept: "application/json", authorization: "Bearer t", "content-type": "application/json" });
  assert.equal(seen[0]!.body, '{"b":[2]}');
  assert.ok(seen[0]!.signal instanceof AbortSignal);
  assert.equal(seen[0]!.timeoutMs, undefined);
  await requestJson(f, "http://x/p", { method: "GET", headers: {}, timeoutMs: 1000 });
  assert.deepEqual(seen[1]!.headers, { accept: "application/json" });
  assert.equal("body" in seen[1]!, false);
});

test("the answer: non-JSON or empty bodies are undefined, Retry-After as sent, any status resolves", async () => {
  const cases: [FetchAnswer, { ok: boolean; status: number; body: unknown; retryAfter: string | null }][] = [
    [answer(200, "not json"), { ok: true, status: 200, body: undefined, retryAfter: null }],
    [answer(204, ""), { ok: true, status: 204, body: undefined, retryAfter: null }],
    [answer(429, '{"error":{}}', { "retry-after": "3" }), { ok: false, status: 429, body: { error: {} }, retryAfter: "3" }],
  ];
  for (const [res, want] of cases) {
    const f = Object.assign(async () => res, { enforcesTimeout: true });
    assert.deepEqual(await requestJson(f, "http://x", { method: "GET", headers: {}, timeoutMs: 1000 }), want);
  }
});

test("without enforcesTimeout: the abort signal fires at the timeout, also while the body is read", async () => {
  const hang: FetchLike = (_u, init) => new Promise((_r, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted"))));
  const stalledBody: FetchLike = async (_u, init) => ({
    ...answer(200, ""),
    text: () => new Promise((_r, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted (body)")))),
  });
  await assert.rejects(requestJson(hang, "http://x", { method: "GET", headers: {}, timeoutMs: 20 }), /aborted/);
  await assert.rejects(requestJson(stalledBody, "http://x", { method: "GET", headers: {}, timeoutMs: 20 }), /aborted \(body\)/);
});

test("with enforcesTimeout: the fetch gets timeoutMs and no signal, and its rejection is passed on", async () => {
  const seen: FetchInit[] = [];
  const f: FetchLike = Object.assign(
    async (_u: string, init: FetchInit): Promise<FetchAnswer> => {
      seen.push(init);
      throw new DOMException("no complete answer", "TimeoutError");
    },
    { enforcesTimeout: true },
  );
  await assert.rejects(
    requestJson(f, "http://x", { method: "POST", headers: {}, body: {}, timeoutMs: 1234 }),
    (e) => e instanceof DOMException && e.name === "TimeoutError",
  );
  assert.equal(seen[0]!.timeoutMs, 1234);
  assert.equal(seen[0]!.signal, undefined);
});
