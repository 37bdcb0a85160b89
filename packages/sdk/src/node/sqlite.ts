/**
 * better-sqlite3, loaded on first use rather than at import: its native addon costs
 * ~10 ms of every start, and most runs never open SQLite — a backup whose database
 * provably did not change reuses the parent's pages without copying (spec §8.5.2), and
 * every command but backup and restore imports this package without touching a database.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

let loaded: typeof BetterSqlite3 | undefined;

export function sqlite(): typeof BetterSqlite3 {
  return (loaded ??= createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3);
}
