/**
 * HttpStorage against a scripted `fetch`: what goes on the wire and how answers map onto
 * the storage errors. The full contract runs against the web demo server in
 * apps/web/test/storage-api.test.ts (storage conformance suite).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { HttpStorage, type HttpFetch } from "./index.ts";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/** A fetch that records calls and answers from `reply`. */
function fake(reply: (c: Call) => Response | Promise<Response>): { fetch: HttpFetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: HttpFetch = async (url, init) => {
    const body = init.body instanceof ArrayBuffer ? new Uint8Array(init.body) : undefined;
    const c = { url, method: String(init.method), headers: { ...(init.headers as Record<string, string>) }, body };
    calls.push(c);
    return reply(c);
  };
  return { fetch, calls };
}

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { "content-type": "application/json" } });
const storage = (fetch: HttpFetch) => new HttpStorage({ baseUrl: "http://h.test/api/storage/", token: () => "tok", fetch });

test("http: the entry bundles for a browser (nothing from Node)", async () => {
  const r = await build({
    entryPoints: [new URL("./index.ts", import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    conditions: ["chatvault-source"],
  });
  assert.equal(r.errors.length, 0);
  assert.ok(!/node:|require\(/.test(r.outputFiles[0]!.text));
});

test("http: put is a create-only PUT with the bearer token; its body is a copy", async () => {
  const f = fake(() => new Response(null, { status: 201 }));
  const s = storage(f.fetch);
  const data = new Uint8Array([1, 2, 3]);
  await s.put("packs/ab/cd", data);
  const c = f.calls[0]!;
  assert.equal(c.url, "http://h.test/api/storage/packs/ab/cd");
  assert.equal(c.method, "PUT");
  assert.equal(c.headers.authorization, "Bearer tok");
  assert.equal(c.headers["if-none-match"], "*");
  assert.deepEqual(c.body, new Uint8Array([1, 2, 3]));
  assert.notEqual(c.body!.buffer, data.buffer, "the caller may reuse its buffer");
  assert.equal(s.location, "http://h.test/api/storage", "the location never holds the token");
});

test("http: answers map onto the storage errors", async () => {
  const cases: Array<[number, unknown, string, boolean]> = [
    [409, { error: { code: "object_exists" } }, "object_exists", false],
    [500, {}, "storage_unavailable", true],
    [503, {}, "storage_unavailable", true],
    [429, {}, "storage_unavailable", true],
    [401, { error: { code: "unauthorized" } }, "unauthorized", false],
    [413, {}, "too_large", false],
    [400, { error: { code: "invalid_object_name" } }, "invalid_object_name", false],
  ];
  for (const [status, body, code, retryable] of cases) {
    const s = storage(fake(() => json(status, body)).fetch);
    await assert.rejects(
      s.put("x", new Uint8Array(1)),
      (e: { code?: string; retryable?: boolean }) => e.code === code && e.retryable === retryable,
      `put → ${status}`,
    );
  }
  const missing = storage(fake(() => json(404, { error: { code: "object_not_found" } })).fetch);
  await assert.rejects(missing.get("x"), { code: "object_not_found" });
  await assert.rejects(missing.stat("x"), { code: "object_not_found" });
  await missing.delete("x"); // idempotent
  const down = storage(fake(() => Promise.reject(new TypeError("fetch failed"))).fetch);
  await assert.rejects(down.get("x"), { code: "storage_unavailable", retryable: true });
});

test("http: ranged get sends Range, treats 416 as no bytes, cuts a whole-object answer", async () => {
  const f = fake((c) => (c.headers.range === "bytes=5-9" ? new Response(new Uint8Array([5, 6, 7]), { status: 206 }) : new Response(null, { status: 416 })));
  const s = storage(f.fetch);
  assert.deepEqual(await s.get("r", { offset: 5, length: 5 }), new Uint8Array([5, 6, 7]));
  assert.deepEqual(await s.get("r", { offset: 50, length: 5 }), new Uint8Array(0));
  const whole = storage(fake(() => new Response(new Uint8Array([0, 1, 2, 3, 4, 5]), { status: 200 })).fetch);
  assert.deepEqual(await whole.get("r", { offset: 2, length: 3 }), new Uint8Array([2, 3, 4]));
});

test("http: an empty range asks HEAD whether the object exists", async () => {
  const f = fake((c) => (c.method === "HEAD" ? new Response(null, { status: 200, headers: { "content-length": "12" } }) : json(500, {})));
  assert.deepEqual(await storage(f.fetch).get("e", { offset: 0, length: 0 }), new Uint8Array(0));
  assert.deepEqual(
    f.calls.map((c) => c.method),
    ["HEAD"],
  );
  assert.deepEqual(await storage(f.fetch).stat("e"), { name: "e", size: 12 });
});

test("http: invalid names and ranges are refused before any request", async () => {
  const f = fake(() => json(500, {}));
  const s = storage(f.fetch);
  for (const bad of ["", "/a", "a/../b", "a b", "ä"]) await assert.rejects(s.put(bad, new Uint8Array(1)), { code: "invalid_object_name" });
  await assert.rejects(s.get("x", { offset: -1, length: 1 }), RangeError);
  await assert.rejects(
    (async () => {
      for await (const _ of s.list("../")) void _;
    })(),
    { code: "invalid_object_name" },
  );
  assert.equal(f.calls.length, 0);
});

test("http: list follows cursors, and refuses names outside the prefix or a cursor going back", async () => {
  const pages: Record<string, unknown> = {
    "": { objects: [{ name: "p/1", size: 1 }], next: "p/1" },
    "p/1": { objects: [{ name: "p/2", size: 2 }], next: null },
  };
  const f = fake((c) => json(200, pages[new URL(c.url).searchParams.get("after") ?? ""]));
  const got = [];
  for await (const o of storage(f.fetch).list("p/")) got.push(o);
  assert.deepEqual(got, [
    { name: "p/1", size: 1 },
    { name: "p/2", size: 2 },
  ]);
  assert.equal(new URL(f.calls[0]!.url).searchParams.get("prefix"), "p/");

  const drain = async (s: HttpStorage) => {
    for await (const _ of s.list("p/")) void _;
  };
  await assert.rejects(drain(storage(fake(() => json(200, { objects: [{ name: "q/1", size: 1 }], next: null })).fetch)), { code: "storage_unavailable" });
  await assert.rejects(drain(storage(fake((c) => json(200, { objects: [], next: new URL(c.url).searchParams.get("after") ?? "p/0" })).fetch)), {
    code: "storage_unavailable",
  });
});
