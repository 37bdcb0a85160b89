/**
 * Load-friendly HTTP for benchmarks and load tests: a `fetch`-compatible function on a
 * keep-alive `node:http` agent (bounded sockets, no per-request connection setup), to
 * pass as `VaultClient`'s / `VaultTransport`'s `fetch`. Plain `globalThis.fetch` works
 * too; this one is cheaper per request and its concurrency is explicit.
 *
 * Cheaper because it builds no WHATWG `Response`/`Headers` per answer (it resolves the
 * `FetchAnswer` that `requestJson` reads, once the whole body has arrived) and it enforces
 * the transports' timeout itself (`enforcesTimeout`: one timer per request instead of an
 * `AbortController`, its signal and the listener `node:http` adds for it). Measured on the
 * realms bench (docs/performance.md, threshold realms round 6).
 */
import http from "node:http";
import type { FetchAnswer, FetchLike } from "@chatvault/vault-protocol";

export interface KeepAliveFetchOptions {
  /** Concurrent sockets to the vault (default 64). */
  maxSockets?: number;
  /** Largest answer body accepted, in bytes (default 1 MiB); a longer one rejects the request. */
  maxBodyBytes?: number;
}

export interface KeepAliveFetch extends FetchLike {
  /** Close the agent's sockets. */
  close(): void;
}

/** Where a URL goes, parsed once per distinct URL (the transports reuse a few). */
interface Target {
  host: string;
  port: string;
  path: string;
}

const MAX_CACHED_TARGETS = 256;

function timeoutError(ms: number): Error {
  return new DOMException(`no complete answer within ${ms} ms`, "TimeoutError");
}

function answer(status: number, headers: http.IncomingHttpHeaders, chunks: Buffer[]): FetchAnswer {
  let text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // as Response.text() decodes UTF-8
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: {
      get(name) {
        const v = headers[name.toLowerCase()];
        return typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : null;
      },
    },
    text: () => Promise.resolve(text),
  };
}

export function createKeepAliveFetch(o: KeepAliveFetchOptions = {}): KeepAliveFetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  const maxBody = o.maxBodyBytes ?? 1 << 20;
  const targets = new Map<string, Target>();
  const f = ((input, init) =>
    new Promise<FetchAnswer>((resolve, reject) => {
      let target = targets.get(input);
      if (!target) {
        const u = new URL(input);
        if (u.protocol !== "http:") {
          reject(new TypeError("createKeepAliveFetch speaks plain http (loopback load tests); use globalThis.fetch for https"));
          return;
        }
        target = { host: u.hostname, port: u.port, path: u.pathname + u.search };
        if (targets.size < MAX_CACHED_TARGETS) targets.set(input, target);
      }
      const body = init.body;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      };
      const req = http.request(
        {
          agent,
          host: target.host,
          port: target.port,
          path: target.path,
          method: init.method,
          headers: body === undefined ? init.headers : { ...init.headers, "content-length": String(Buffer.byteLength(body)) },
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > maxBody) {
              fail(new RangeError(`answer body over ${maxBody} bytes`));
              req.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on("end", () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(answer(res.statusCode ?? 500, res.headers, chunks));
          });
          res.on("error", fail);
        },
      );
      req.on("error", fail);
      if (init.timeoutMs !== undefined) {
        const ms = init.timeoutMs;
        timer = setTimeout(() => {
          fail(timeoutError(ms));
          req.destroy();
        }, ms);
      }
      // A string body: node:http sends it in the same write as the head (a Buffer would be a second chunk, writev).
      req.end(body);
    })) as KeepAliveFetch;
  Object.defineProperty(f, "enforcesTimeout", { value: true, enumerable: true });
  f.close = () => agent.destroy();
  return f;
}
