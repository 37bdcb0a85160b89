/**
 * Realms mode of the demo server (docs/web.md): the page reaches realm i of the set at
 * `/realms/<i>/realm/v1/*` on this origin (one Content-Security-Policy, no CORS at the
 * realms), the config names each realm's ID (from its `/realm/v1/info`) and own URL, and
 * the demo login mints a token per realm with that realm's own secret (each realm
 * verifies its own issuer, spec/threshold-vault.md §2). Only the realm protocol's paths
 * pass; bodies are size-limited; blinded elements and evaluations reveal no password.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { mintDevToken } from "@chatvault/vault-server";
import { readBody } from "./body.ts";
import { HttpError } from "./http-error.ts";

export const REALMS_PREFIX = "/realms";
const MAX_REALM_BODY = 64 * 1024;

export interface WebRealmsOptions {
  threshold: number;
  /** Each realm's base URL and the HS256 secret its tokens are signed with (its dev secret). */
  realms: { url: string; tokenSecret: string }[];
}

export interface WebRealms {
  config: { threshold: number; realms: { id: string; url: string; path: string }[] };
  tokens(account: string, ttlSeconds: number): Promise<Record<string, string>>;
  proxy(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

export async function openWebRealms(o: WebRealmsOptions, timeoutMs = 30_000): Promise<WebRealms> {
  if (!Number.isInteger(o.threshold) || o.threshold < 1 || o.threshold > o.realms.length || o.realms.length > 9)
    throw new RangeError("realms: 1 ≤ threshold ≤ n ≤ 9");
  const bases = o.realms.map((r) => r.url.replace(/\/+$/, ""));
  const ids = await Promise.all(
    bases.map(async (b) => {
      const info = (await (await fetch(`${b}/realm/v1/info`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as { realmId?: unknown };
      if (typeof info.realmId !== "string") throw new Error(`${b} is not a realm (no realmId in /realm/v1/info)`);
      return info.realmId;
    }),
  );
  const config = { threshold: o.threshold, realms: bases.map((url, i) => ({ id: ids[i]!, url, path: `${REALMS_PREFIX}/${i + 1}` })) };
  return {
    config,
    async tokens(account, ttl) {
      const out: Record<string, string> = {};
      for (const [i, r] of o.realms.entries()) out[ids[i]!] = await mintDevToken({ secret: r.tokenSecret, account, ttl });
      return out;
    },
    async proxy(req, res, rawPath) {
      const m = /^\/realms\/(\d)(\/realm\/v1\/[a-z/]+)$/.exec(rawPath);
      const base = m ? bases[Number(m[1]) - 1] : undefined;
      if (!m || !base) throw new HttpError(404, "not_found", "no such realm endpoint");
      if (req.method !== "GET" && req.method !== "POST") throw new HttpError(405, "method_not_allowed", "realms take GET and POST");
      const headers: Record<string, string> = {};
      for (const h of ["authorization", "content-type", "accept"] as const) {
        const v = req.headers[h];
        if (typeof v === "string") headers[h] = v;
      }
      const body = req.method === "POST" ? await readBody(req, MAX_REALM_BODY) : undefined;
      let answer: Response;
      try {
        answer = await fetch(base + m[2], {
          method: req.method,
          headers,
          signal: AbortSignal.timeout(timeoutMs),
          ...(body ? { body: Buffer.from(body) } : {}),
        });
      } catch {
        throw new HttpError(502, "unavailable", `realm ${m[1]} is unreachable`);
      }
      const out = new Uint8Array(await answer.arrayBuffer());
      const outHeaders: Record<string, string> = { "cache-control": "no-store", "content-length": String(out.length) };
      const ct = answer.headers.get("content-type");
      if (ct) outHeaders["content-type"] = ct;
      res.writeHead(answer.status, outHeaders).end(out);
    },
  };
}
