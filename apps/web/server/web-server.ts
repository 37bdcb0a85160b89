/**
 * The web messenger's demo server (docs/web.md): the built app, the storage API for
 * backups (ciphertext only), the demo login that mints account tokens, and `/vault/*`
 * passed through to the key vault. One request log line per request, without secrets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWebApp } from "../scripts/build-app.ts";
import { createAccounts } from "./accounts.ts";
import { readJson } from "./body.ts";
import { HttpError, sendError, sendJson } from "./http-error.ts";
import { openRequestLog } from "./request-log.ts";
import { createStaticFiles } from "./static-files.ts";
import { STORAGE_PATH, createStorageApi } from "./storage-api.ts";
import { VAULT_PREFIX, createVaultProxy } from "./vault-proxy.ts";
import { REALMS_PREFIX, type WebRealmsOptions, openWebRealms } from "./realm-proxy.ts";

/** The built app, beside this folder. */
export const DEFAULT_DIST_DIR = resolve(fileURLToPath(new URL("../dist", import.meta.url)));

export interface WebServerOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8480; 0 picks a free one). */
  port?: number;
  /** Folder for the server's state: `backups/<account>/` and `logs/web-requests.log`. */
  dataDir: string;
  /** The key vault's base URL, e.g. `http://127.0.0.1:8471`; the page reaches it through `/vault`. */
  vaultUrl: string;
  /**
   * HS256 secret (≥ 32 bytes) of the account tokens: the login mints with it, the storage API
   * verifies with it. The vault must be configured with the same one (its dev secret).
   */
  tokenSecret: string;
  /** Where each account's backup folder lives (default `<dataDir>/backups`; the CLI's `--repo`). */
  backupsDir?: string;
  /** The built app (default apps/web/dist). */
  distDir?: string;
  /**
   * Build the default app folder first when it is missing or older than its sources
   * (default true; takes a few seconds). Ignored with `distDir`.
   */
  buildApp?: boolean;
  /** Progress lines, e.g. "building the web app…". */
  onNote?: (line: string) => void;
  /** Lifetime of a minted account token (default 12 h). */
  tokenTtlSeconds?: number;
  /** Largest object the storage API accepts (default 64 MiB; packs are about 8 MiB). */
  maxObjectBytes?: number;
  /** fsync stored objects (default true; tests may turn it off for speed). */
  fsync?: boolean;
  /**
   * TEST ONLY: tell the page to register passwords with a cheap KSF (the vault must allow
   * it too). The page shows a "test mode" banner while it is on.
   */
  testOnlyWeakKeyStretching?: boolean;
  /** Also hand each request-log line to this function (the file is always written). */
  onRequestLog?: (line: string) => void;
  /** Realms mode: new password backups go to this realm set (server/realm-proxy.ts). */
  realms?: WebRealmsOptions;
}

export interface RunningWebServer {
  /** http://host:port */
  url: string;
  server: Server;
  backupsDir: string;
  /** The JSON-lines request log. */
  requestLogPath: string;
  /** The backup folder of one account (a chatvault repository; the CLI's --repo). */
  backupFolder(account: string): string;
  close(): Promise<void>;
}

const MAX_LOGIN_BODY = 1024;

export async function createWebServer(o: WebServerOptions): Promise<RunningWebServer> {
  if (!o.dataDir) throw new TypeError("dataDir is required");
  if (!/^https?:\/\//.test(o.vaultUrl ?? "")) throw new TypeError("vaultUrl must be an http(s) URL");
  if (o.distDir === undefined && o.buildApp !== false) await buildWebApp({ ...(o.onNote ? { onNote: o.onNote } : {}) });
  const dataDir = resolve(o.dataDir);
  const backupsDir = resolve(o.backupsDir ?? join(dataDir, "backups"));
  const requestLogPath = join(dataDir, "logs", "web-requests.log");
  const accounts = await createAccounts({ tokenSecret: o.tokenSecret, tokenTtlSeconds: o.tokenTtlSeconds ?? 12 * 3600 });
  const storage = createStorageApi({ backupsDir, maxObjectBytes: o.maxObjectBytes ?? 64 * 1024 * 1024, fsync: o.fsync ?? true });
  const proxy = createVaultProxy(o.vaultUrl);
  const files = createStaticFiles(o.distDir ?? DEFAULT_DIST_DIR);
  const log = openRequestLog(requestLogPath, o.onRequestLog);
  const realms = o.realms ? await openWebRealms(o.realms) : undefined;
  const appConfig = {
    vaultPath: VAULT_PREFIX,
    vaultUrl: o.vaultUrl,
    testOnlyWeakKeyStretching: o.testOnlyWeakKeyStretching === true,
    ...(realms ? { realms: realms.config } : {}),
  };

  /** `seen.account` is set as soon as it is known, for the log line. */
  async function route(req: IncomingMessage, res: ServerResponse, path: string, query: string, seen: { account?: string }): Promise<void> {
    if (path === STORAGE_PATH || path.startsWith(`${STORAGE_PATH}/`)) {
      seen.account = await accounts.authenticate(req.headers.authorization);
      return storage.handle(req, res, seen.account, path, new URLSearchParams(query));
    }
    if (path === VAULT_PREFIX || path.startsWith(`${VAULT_PREFIX}/`)) return proxy(req, res, path, query);
    if (realms && path.startsWith(`${REALMS_PREFIX}/`)) return realms.proxy(req, res, path);
    if (path === "/api/login") {
      if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", "POST only");
      const body = (await readJson(req, MAX_LOGIN_BODY)) as { account?: unknown } | null;
      const session = await accounts.login(body?.account);
      seen.account = session.account;
      return sendJson(res, 200, realms ? { ...session, realmTokens: await realms.tokens(session.account, o.tokenTtlSeconds ?? 12 * 3600) } : session);
    }
    if (path === "/api/config") return sendJson(res, 200, appConfig);
    if (path.startsWith("/api/")) throw new HttpError(404, "not_found", "no such endpoint");
    return files(req, res, path);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? "" : raw.slice(q + 1);
    const seen: { account?: string } = {};
    // Requests on one connection are sequential, so the socket's byte count brackets this response (headers included).
    const writtenBefore = req.socket.bytesWritten;
    res.on("close", () => {
      log.write({
        method: req.method ?? "?",
        path: raw.slice(0, 2048),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        bytesIn: Number(req.headers["content-length"] ?? 0),
        bytesOut: req.socket.bytesWritten - writtenBefore,
        ...(seen.account ? { account: seen.account } : {}),
      });
    });
    route(req, res, path, query, seen).catch((e: unknown) => {
      if (e instanceof HttpError) {
        // A refused upload is still streaming in: answer, then drop the connection.
        if (e.status === 413) res.setHeader("connection", "close");
        sendError(res, e);
        return;
      }
      // Never echo an unexpected error (it could quote a path or bytes); the type is enough.
      process.emitWarning(`chatvault web: internal error ${(e as Error)?.name ?? typeof e} on ${req.method} ${path.slice(0, 64)}`);
      sendError(res, new HttpError(500, "internal", "internal error"));
    });
  });
  server.requestTimeout = 5 * 60_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 8480, o.host ?? "127.0.0.1", () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    server,
    backupsDir,
    requestLogPath,
    backupFolder: (account) => storage.folderOf(account),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        await log.close();
      })()),
  };
}
