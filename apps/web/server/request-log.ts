/**
 * The web server's request log: one JSON line per request with method, path, status,
 * sizes and the account — never a header, a body or a token (docs/web.md "What the server
 * sees"). Tests search this file for secrets after a full run.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

export interface RequestLogEntry {
  method: string;
  /** Path and query as requested (object names are keyed IDs, list prefixes the same). */
  path: string;
  status: number;
  ms: number;
  bytesIn: number;
  bytesOut: number;
  account?: string;
}

export interface RequestLog {
  write(entry: RequestLogEntry): void;
  close(): Promise<void>;
}

/** Appends to `path` (created with its folder, mode 0600) and hands each line to `sink`. */
export function openRequestLog(path: string, sink?: (line: string) => void): RequestLog {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const out: WriteStream = createWriteStream(path, { flags: "a", mode: 0o600 });
  let closed = false;
  return {
    write(entry) {
      const line = JSON.stringify({ time: new Date().toISOString(), ...entry });
      // A response whose connection the closing server cut reports its "close" a tick
      // after the server's own close callback: the file is shut by then, so the line goes
      // to the sink only (it is a request that never completed).
      if (!closed) out.write(line + "\n");
      sink?.(line);
    },
    close: () => {
      closed = true;
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}
