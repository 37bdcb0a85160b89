/**
 * `/vault/*` → the key vault. The page talks to the vault through the web server's own
 * origin, so the vault needs no CORS and the app one Content-Security-Policy (`connect-src
 * 'self'`). The proxy passes OPAQUE messages through untouched; they reveal no password to
 * it any more than to the vault. Only the protocol's paths pass; bodies are size-limited.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "./body.ts";
import { HttpError } from "./http-error.ts";

export const VAULT_PREFIX = "/vault";
/** Vault requests are small JSON bodies (the vault itself refuses more than 8 KiB). */
const MAX_VAULT_BODY = 64 * 1024;
const FORWARDED_REQUEST_HEADERS = ["authorization", "content-type", "accept"] as const;
const FORWARDED_RESPONSE_HEADERS = ["content-type", "retry-after"] as const;

export function createVaultProxy(vaultUrl: string, timeoutMs = 30_000) {
  const base = vaultUrl.replace(/\/+$/, "");
  return async function proxy(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): Promise<void> {
    const path = rawPath.slice(VAULT_PREFIX.length);
    if (!/^\/(v1\/[a-z/]+|healthz)$/.test(path)) throw new HttpError(404, "not_found", "no such vault endpoint");
    if (req.method !== "GET" && req.method !== "POST") throw new HttpError(405, "method_not_allowed", "the vault takes GET and POST");
    const headers: Record<string, string> = {};
    for (const h of FORWARDED_REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const body = req.method === "POST" ? await readBody(req, MAX_VAULT_BODY) : undefined;
    let answer: Response;
    try {
      answer = await fetch(base + path + (rawQuery ? `?${rawQuery}` : ""), {
        method: req.method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body ? { body: Buffer.from(body) } : {}),
      });
    } catch {
      throw new HttpError(502, "unavailable", "the key vault is unreachable");
    }
    const out = new Uint8Array(await answer.arrayBuffer());
    const outHeaders: Record<string, string> = { "cache-control": "no-store", "content-length": String(out.length) };
    for (const h of FORWARDED_RESPONSE_HEADERS) {
      const v = answer.headers.get(h);
      if (v !== null) outHeaders[h] = v;
    }
    res.writeHead(answer.status, outHeaders).end(out);
  };
}
