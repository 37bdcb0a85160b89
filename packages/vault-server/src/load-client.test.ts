/**
 * The keep-alive load client (load-client.ts) against a local HTTP server: what it resolves
 * (status, ok, headers by any case, the body as text), the request it sends (method, path,
 * headers, a string body with its length), and its limits — `timeoutMs` enforced on the whole
 * answer, an answer body over `maxBodyBytes` refused, an abort signal still honoured, https
 * refused; and the same through the vault transport, where a timeout is VaultUnavailableError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { VaultTransport, VaultUnavailableError } from "@chatvault/vault-protocol";
import { createKeepAliveFetch } from "./load-client.ts";

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test("the answer: status, ok, headers in any case, the body; the request as sent", async () => {
  const seen: { method?: string; url?: string; type?: string; length?: string; body: string }[] = [];
  const s = await serve((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, type: req.headers["content-type"], length: req.headers["content-length"], body });
      if (req.url === "/none") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(429, { "content-type": "application/json", "Retry-After": "7" }).end(JSON.stringify({ ü: "ok" }));
    });
  });
  const f = createKeepAliveFetch();
  try {
    assert.equal(f.enforcesTimeout, true);
    const body = JSON.stringify({ a: "é" });
    const r = await f(`${s.url}/x?y=1`, { method: "POST", headers: { "content-type": "application/json" }, body, timeoutMs: 5000 });
    assert.equal(r.status, 429);
    assert.equal(r.ok, false);
    assert.equal(r.headers.get("retry-after"), "7");
    assert.equal(r.headers.get("Retry-After"), "7");
    assert.equal(r.headers.get("x-missing"), null);
    assert.deepEqual(JSON.parse(await r.text()), { ü: "ok" });
    assert.deepEqual(seen[0], { method: "POST", url: "/x?y=1", type: "application/json", length: String(Buffer.byteLength(body)), body });
    const none = await f(`${s.url}/none`, { method: "GET", headers: {} });
    assert.equal(none.status, 204);
    assert.equal(none.ok, true);
    assert.equal(await none.text(), "");
    assert.equal(seen[1]!.method, "GET");
  } finally {
    f.close();
    await s.close();
  }
});

test("timeoutMs bounds the whole answer, a stalled body included", async () => {
  const s = await serve((req, res) => {
    if (req.url === "/head-only") res.writeHead(200, { "content-type": "application/json" }).write("{");
    // "/silent": never answers
  });
  const f = createKeepAliveFetch();
  try {
    for (const path of ["/silent", "/head-only"]) {
      const t0 = performance.now();
      await assert.rejects(f(s.url + path, { method: "GET", headers: {}, timeoutMs: 60 }), (e) => e instanceof DOMException && e.name === "TimeoutError");
      assert.ok(performance.now() - t0 < 2000);
    }
  } finally {
    f.close();
    await s.close();
  }
});

test("an answer body over maxBodyBytes is refused; an abort signal is honoured; https is refused", async () => {
  const s = await serve((req, res) => {
    if (req.url === "/big") res.writeHead(200).end("x".repeat(5000));
    else if (req.url === "/fits") res.writeHead(200).end("x".repeat(1000));
    // "/silent": never answers
  });
  const f = createKeepAliveFetch({ maxBodyBytes: 1000 });
  try {
    assert.equal((await (await f(`${s.url}/fits`, { method: "GET", headers: {} })).text()).length, 1000);
    await assert.rejects(f(`${s.url}/big`, { method: "GET", headers: {} }), RangeError);
    const ac = new AbortController();
    const pending = f(`${s.url}/silent`, { method: "GET", headers: {}, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, (e) => e instanceof Error && e.name === "AbortError");
    await assert.rejects(f("https://127.0.0.1:1/x", { method: "GET", headers: {} }), TypeError);
  } finally {
    f.close();
    await s.close();
  }
});

test("through the vault transport: its timeout is enforced by the load client, as VaultUnavailableError", async () => {
  const s = await serve(() => undefined);
  const f = createKeepAliveFetch();
  try {
    const t = new VaultTransport({ baseUrl: s.url, token: () => "t", fetch: f, timeoutMs: 50 });
    await assert.rejects(t.status(), (e) => e instanceof VaultUnavailableError && e.retryable && (e.cause as Error).name === "TimeoutError");
  } finally {
    f.close();
    await s.close();
  }
});
