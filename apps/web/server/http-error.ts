/**
 * One HTTP error class for the web server (Hono's habit): a status, a stable code and a
 * message that never carries a secret. Handlers throw it; the router answers with JSON.
 */
import type { ServerResponse } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}
