/**
 * A stand-in for a chat app writing to its database, run as a separate process by the
 * snapshot tests (`node live-writer.js <db> <ms> [seed]`; path: `LIVE_WRITER_PATH`).
 *
 * It keeps committing small transactions (a few messages plus the chat's
 * `last_message_id`, as an app does) for `<ms>` milliseconds, with WAL and SQLite's
 * default auto-checkpoints, so main-file pages change under a concurrent snapshot.
 * Prints `ready` after the first commit and a JSON line `{ inserted, transactions, lastId }`
 * at the end. Because every transaction keeps `chats.last_message_id` equal to the chat's
 * newest message, a torn snapshot shows up as a mismatch.
 */
import Database from "better-sqlite3";
// Internals of the demo generator (not its public entry): the writer appends rows exactly
// the way mutateDemoData does, one small transaction at a time.
import { loadChats } from "./chat-activity.ts";
import { Conversation } from "./conversation.ts";
import { rngFor } from "./prng.ts";
import { INSERT_MESSAGE_SQL } from "./schema.ts";

function main(argv: string[]): void {
  const [dbPath, msText, seed = "live-writer"] = argv;
  const ms = Number(msText);
  if (!dbPath || !Number.isFinite(ms) || ms < 0) {
    process.stderr.write("usage: live-writer.ts <db> <ms> [seed]\n");
    process.exitCode = 2;
    return;
  }
  const db = new Database(dbPath, { fileMustExist: true, timeout: 10_000 });
  db.pragma("journal_mode = WAL");
  const tail = db.prepare("SELECT coalesce(max(id), 0) AS maxId, coalesce(max(timestamp), 0) AS maxTs FROM messages").get() as {
    maxId: number;
    maxTs: number;
  };
  const rng = rngFor(seed, "live-writer");
  const conversation = new Conversation(rng, loadChats(db), tail.maxTs, 20_000);
  const insert = db.prepare(INSERT_MESSAGE_SQL);
  const setLast = db.prepare("UPDATE chats SET last_message_id = ? WHERE id = ?");
  const commit = db.transaction((count: number) => {
    for (let i = 0; i < count; i++) {
      const row = conversation.next(++lastId, true);
      insert.run(row);
      setLast.run(row.id, row.chat_id);
      inserted++;
    }
  });

  let lastId = tail.maxId;
  let inserted = 0;
  let transactions = 0;
  const deadline = performance.now() + ms;
  do {
    commit(1 + rng.int(8));
    if (++transactions === 1) process.stdout.write("ready\n");
  } while (performance.now() < deadline);
  db.close();
  process.stdout.write(`${JSON.stringify({ inserted, transactions, lastId })}\n`);
}

main(process.argv.slice(2));
