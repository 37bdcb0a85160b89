/**
 * Serves the built app (apps/web/dist): fixed MIME types (the wasm must be
 * `application/wasm` for streaming compilation), no directory listings, nothing outside
 * the folder, and `index.html` for any other page path (the app routes in the page).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { HttpError } from "./http-error.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".db": "application/octet-stream",
  ".jpg": "image/jpeg",
  ".mp4": "video/mp4",
  ".opus": "audio/ogg",
  ".webmanifest": "application/manifest+json",
};

/**
 * The page's security policy: scripts only from this origin; 'wasm-unsafe-eval' lets the
 * OPAQUE and SQLite WebAssembly compile; connections only to this origin (the storage API
 * and the vault proxy).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

const PAGE_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>chatvault</title>
<p>The web app is not built yet. Run <code>npm run build -w apps/web</code> and reload.</p>`;

export function createStaticFiles(distDir: string) {
  const root = normalize(distDir + sep);
  return async function serve(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method_not_allowed", "GET only");
    let rel: string;
    try {
      rel = decodeURIComponent(rawPath);
    } catch {
      throw new HttpError(400, "bad_request", "bad path");
    }
    const file = normalize(join(root, rel));
    const inside = file.startsWith(root) && !rel.includes("\0");
    const st = inside ? await stat(file).catch(() => undefined) : undefined;
    // A missing file is a 404; a missing page path gets the app, which routes in the page.
    if (!st?.isFile() && extname(rel) !== "") throw new HttpError(404, "not_found", "no such file");
    const target = st?.isFile() ? file : join(root, "index.html");
    // Hashed assets never change; the page itself must be re-checked on every load.
    const cache = target.startsWith(join(root, "assets") + sep) ? "public, max-age=31536000, immutable" : "no-cache";
    let bytes: Buffer;
    try {
      bytes = await readFile(target);
    } catch {
      res.writeHead(503, { "content-type": "text/html; charset=utf-8", ...PAGE_HEADERS }).end(NOT_BUILT);
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
      "content-length": String(bytes.length),
      "cache-control": cache,
      ...PAGE_HEADERS,
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };
}
