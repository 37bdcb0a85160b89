/**
 * SQLite in WebAssembly (sql.js). The wasm ships in the build (`?url`), so the page never
 * fetches code from anywhere but its own server.
 */
import initSqlJs, { type Database, type SqlJsStatic } from "sql.js";
import wasmUrl from "sql.js/dist/sql-wasm-browser.wasm?url";

let loading: Promise<SqlJsStatic> | undefined;

export function sqlite(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ locateFile: () => wasmUrl });
  return loading;
}

/**
 * Open a database image. An image marked for WAL mode (a chat app's file copied as it is;
 * the CLI's own snapshots are already in rollback mode) is switched to a rollback journal
 * first: header bytes 18–19 are the file-format write/read versions, 2 = WAL, 1 = legacy.
 * A WebAssembly SQLite with one in-memory file has no shared memory for WAL; a complete
 * image loses nothing by the switch — it is what `PRAGMA journal_mode=DELETE` writes.
 */
export async function openImage(bytes: Uint8Array): Promise<Database> {
  const SQL = await sqlite();
  const image = bytes.slice();
  if (image.length >= 100 && image[18] === 2 && image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
  }
  return new SQL.Database(image);
}
