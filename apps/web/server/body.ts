/**
 * Reading request bodies with a size limit: a declared Content-Length over the limit is
 * refused before reading; a body that grows past it while streaming is cut off (413).
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.ts";

export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) throw new HttpError(413, "too_large", `the body is larger than ${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, "too_large", `the body is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  const all = Buffer.concat(parts, size);
  return new Uint8Array(all.buffer, all.byteOffset, all.length);
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/.test(type)) throw new HttpError(415, "bad_request", "send application/json");
  try {
    return JSON.parse(new TextDecoder().decode(await readBody(req, limit)));
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, "bad_request", "the body is not valid JSON");
  }
}
