/**
 * Load-friendly HTTP for benchmarks and load tests: a `fetch`-compatible function on a
 * keep-alive `node:http` agent (bounded sockets, no per-request connection setup), to
 * pass as `VaultClient`'s / `VaultTransport`'s `fetch`. Plain `globalThis.fetch` works
 * too; this one is cheaper per request and its concurrency is explicit.
 */
import http from "node:http";
import type { FetchLike } from "@chatvault/vault-protocol";

export interface KeepAliveFetchOptions {
  /** Concurrent sockets to the vault (default 64). */
  maxSockets?: number;
}

export interface KeepAliveFetch extends FetchLike {
  /** Close the agent's sockets. */
  close(): void;
}

export function createKeepAliveFetch(o: KeepAliveFetchOptions = {}): KeepAliveFetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  const f = ((input, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(input);
      if (u.protocol !== "http:") {
        reject(new TypeError("createKeepAliveFetch speaks plain http (loopback load tests); use globalThis.fetch for https"));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const req = http.request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: init.method,
          headers: { ...init.headers, ...(body ? { "content-length": String(body.length) } : {}) },
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
            resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    })) as KeepAliveFetch;
  f.close = () => agent.destroy();
  return f;
}
