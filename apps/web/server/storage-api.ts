/**
 * The storage API (`/api/storage`, wire protocol in @chatvault/storage/http): each
 * account's backup is a plain chatvault repository folder `<backupsDir>/<account>` on
 * disk (FsStorage), so the CLI can use that folder as `--repo` directly. The server only
 * ever holds what the page uploads: ciphertext and the repository config (no secret).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { InvalidObjectNameError, ObjectExistsError, ObjectNotFoundError, checkListPrefix, checkObjectName } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { readBody } from "./body.ts";
import { HttpError, sendJson } from "./http-error.ts";

export const STORAGE_PATH = "/api/storage";
/** Objects per listing page (the client follows `next`). */
export const LIST_PAGE = 1000;

export interface StorageApiOptions {
  backupsDir: string;
  maxObjectBytes: number;
  fsync: boolean;
}

export interface StorageApi {
  handle(req: IncomingMessage, res: ServerResponse, account: string, rawPath: string, query: URLSearchParams): Promise<void>;
  /** The folder holding `account`'s backup. */
  folderOf(account: string): string;
}

export function createStorageApi(o: StorageApiOptions): StorageApi {
  const opened = new Map<string, Promise<FsStorage>>();
  const folderOf = (account: string) => join(o.backupsDir, account);
  // open() once per account and process: it also sweeps temp files of crashed writers.
  const storageOf = (account: string): Promise<FsStorage> => {
    let s = opened.get(account);
    if (!s) {
      s = FsStorage.open(folderOf(account), { fsync: o.fsync });
      opened.set(account, s);
      s.catch(() => opened.delete(account));
    }
    return s;
  };

  return {
    folderOf,
    async handle(req, res, account, rawPath, query) {
      const storage = await storageOf(account);
      if (rawPath === STORAGE_PATH || rawPath === `${STORAGE_PATH}/`) {
        if (req.method !== "GET") throw new HttpError(405, "method_not_allowed", "list with GET");
        return list(res, storage, query);
      }
      const name = objectName(rawPath);
      try {
        switch (req.method) {
          case "PUT": {
            const data = await readBody(req, o.maxObjectBytes);
            await storage.put(name, data);
            res.writeHead(201, { "cache-control": "no-store" }).end();
            return;
          }
          case "GET":
            return await get(req, res, storage, name);
          case "HEAD": {
            const { size } = await storage.stat(name);
            res.writeHead(200, { "content-length": String(size), "content-type": "application/octet-stream", "cache-control": "no-store" }).end();
            return;
          }
          case "DELETE":
            await storage.delete(name);
            res.writeHead(204, { "cache-control": "no-store" }).end();
            return;
          default:
            throw new HttpError(405, "method_not_allowed", "use PUT, GET, HEAD or DELETE");
        }
      } catch (e) {
        throw mapStorageError(e);
      }
    },
  };
}

/** The object name from the raw (not dot-segment-normalised) path, checked by the shared validator. */
function objectName(rawPath: string): string {
  let name: string;
  try {
    name = decodeURIComponent(rawPath.slice(STORAGE_PATH.length + 1));
  } catch {
    throw new HttpError(400, "invalid_object_name", "invalid object name");
  }
  try {
    checkObjectName(name);
  } catch (e) {
    throw mapStorageError(e);
  }
  return name;
}

function mapStorageError(e: unknown): unknown {
  if (e instanceof ObjectExistsError) return new HttpError(409, "object_exists", "object already exists");
  if (e instanceof ObjectNotFoundError) return new HttpError(404, "object_not_found", "object not found");
  if (e instanceof InvalidObjectNameError) return new HttpError(400, "invalid_object_name", e.message);
  return e;
}

/** `Range: bytes=a-b` or `bytes=a-`; anything else is ignored (RFC 9110: then 200 with it all). */
function parseRange(header: string | undefined): { start: number; end: number | undefined } | undefined {
  const m = header ? /^bytes=(\d{1,15})-(\d{0,16})$/.exec(header.trim()) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : undefined;
  if (end !== undefined && end < start) return undefined;
  return { start, end };
}

async function get(req: IncomingMessage, res: ServerResponse, storage: FsStorage, name: string): Promise<void> {
  const headers = { "content-type": "application/octet-stream", "cache-control": "no-store", "accept-ranges": "bytes" };
  const range = parseRange(req.headers.range);
  if (!range) {
    const bytes = await storage.get(name);
    res.writeHead(200, { ...headers, "content-length": String(bytes.length) }).end(bytes);
    return;
  }
  const { size } = await storage.stat(name);
  if (range.start >= size) {
    res.writeHead(416, { ...headers, "content-range": `bytes */${size}` }).end();
    return;
  }
  const last = Math.min(size - 1, range.end ?? size - 1);
  const bytes = await storage.get(name, { offset: range.start, length: last - range.start + 1 });
  res
    .writeHead(206, { ...headers, "content-length": String(bytes.length), "content-range": `bytes ${range.start}-${range.start + bytes.length - 1}/${size}` })
    .end(bytes);
}

async function list(res: ServerResponse, storage: FsStorage, query: URLSearchParams): Promise<void> {
  const prefix = query.get("prefix") ?? "";
  const after = query.get("after");
  try {
    checkListPrefix(prefix);
  } catch (e) {
    throw mapStorageError(e);
  }
  const all = [];
  for await (const o of storage.list(prefix)) if (after === null || o.name > after) all.push(o);
  all.sort((a, b) => (a.name < b.name ? -1 : 1));
  const objects = all.slice(0, LIST_PAGE);
  const next = all.length > LIST_PAGE ? objects[objects.length - 1]!.name : null;
  sendJson(res, 200, { objects, next });
}
