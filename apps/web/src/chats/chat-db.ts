/**
 * The phone's message store: the msgstore-like SQLite schema of the demo generator
 * (chats, contacts, messages, media), held by SQLite in WebAssembly and saved to IndexedDB
 * after every change. Its exported bytes are what a backup stores, page for page, so the
 * CLI and the browser back up and restore the very same database.
 */
import type { Database } from "sql.js";
import { kvGet, kvSet } from "../platform/idb.ts";
import { openImage } from "./sqlite.ts";

export interface ChatSummary {
  id: number;
  name: string;
  isGroup: boolean;
  lastText: string | null;
  lastTime: number | null;
  lastFromMe: boolean;
  lastHasMedia: boolean;
}

export interface Message {
  id: number;
  fromMe: boolean;
  sender: string | null;
  timestamp: number;
  text: string | null;
  mediaMime: string | null;
  mediaSize: number | null;
}

const STORE_KEY = "msgstore";

/** `messages.status` of a message this phone sent (demo schema: 1 = sent). */
const STATUS_SENT = 1;

export class ChatDb {
  #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** The store saved on this phone, or undefined on a new phone. */
  static async load(): Promise<ChatDb | undefined> {
    const bytes = await kvGet<Uint8Array>(STORE_KEY);
    return bytes ? new ChatDb(await openImage(bytes)) : undefined;
  }

  /** Replace the phone's store with `bytes` (first seed, restore) and save it. */
  static async replace(bytes: Uint8Array): Promise<ChatDb> {
    const db = new ChatDb(await openImage(bytes));
    db.#check();
    await db.save();
    return db;
  }

  #check(): void {
    const tables = this.#rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name);
    for (const t of ["chats", "contacts", "messages"]) {
      if (!tables.includes(t)) throw new Error(`this chat database has no ${t} table`);
    }
  }

  #rows<T>(sql: string, params: Array<string | number | null> = []): T[] {
    const stmt = this.#db.prepare(sql);
    try {
      stmt.bind(params);
      const out: T[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as T);
      return out;
    } finally {
      stmt.free();
    }
  }

  /** Chats, most recent first, with the last message's preview. */
  chats(): ChatSummary[] {
    const rows = this.#rows<{
      id: number;
      subject: string | null;
      is_group: number;
      display_name: string | null;
      jid: string;
      text: string | null;
      timestamp: number | null;
      from_me: number | null;
      media_id: number | null;
    }>(`
      SELECT c.id, c.subject, c.is_group, c.jid, k.display_name, m.text, m.timestamp, m.from_me, m.media_id
      FROM chats c
      LEFT JOIN contacts k ON k.jid = c.jid
      LEFT JOIN messages m ON m.id = c.last_message_id
      ORDER BY m.timestamp IS NULL, m.timestamp DESC, c.id`);
    return rows.map((r) => ({
      id: r.id,
      name: r.subject ?? r.display_name ?? r.jid.split("@")[0] ?? r.jid,
      isGroup: r.is_group === 1,
      lastText: r.text,
      lastTime: r.timestamp,
      lastFromMe: r.from_me === 1,
      lastHasMedia: r.media_id !== null,
    }));
  }

  /** How many messages the store holds (what a restore reports). */
  messageCount(): number {
    return this.#rows<{ n: number }>("SELECT count(*) AS n FROM messages")[0]?.n ?? 0;
  }

  chat(id: number): ChatSummary | undefined {
    return this.chats().find((c) => c.id === id);
  }

  /** The newest `limit` messages of a chat, oldest first. */
  messages(chatId: number, limit = 80): Message[] {
    const rows = this.#rows<{
      id: number;
      from_me: number;
      sender: string | null;
      timestamp: number;
      text: string | null;
      mime: string | null;
      size: number | null;
    }>(
      `
      SELECT * FROM (
        SELECT m.id, m.from_me, COALESCE(k.display_name, m.sender_jid) AS sender, m.timestamp, m.text, d.mime, d.size
        FROM messages m
        LEFT JOIN contacts k ON k.jid = m.sender_jid
        LEFT JOIN media d ON d.id = m.media_id
        WHERE m.chat_id = ? ORDER BY m.timestamp DESC, m.id DESC LIMIT ?
      ) ORDER BY timestamp, id`,
      [chatId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      fromMe: r.from_me === 1,
      sender: r.sender,
      timestamp: r.timestamp,
      text: r.text,
      mediaMime: r.mime,
      mediaSize: r.size,
    }));
  }

  /** Store a message this phone sent, and save. */
  async send(chatId: number, text: string): Promise<void> {
    const now = Date.now();
    this.#db.run("BEGIN");
    try {
      this.#db.run(
        "INSERT INTO messages (chat_id, from_me, sender_jid, timestamp, text, status, media_id, quoted_id) VALUES (?, 1, NULL, ?, ?, ?, NULL, NULL)",
        [chatId, now, text, STATUS_SENT],
      );
      this.#db.run("UPDATE chats SET last_message_id = last_insert_rowid() WHERE id = ?", [chatId]);
      this.#db.run("COMMIT");
    } catch (e) {
      this.#db.run("ROLLBACK");
      throw e;
    }
    await this.save();
  }

  /** The database file, byte for byte (what a backup stores). */
  bytes(): Uint8Array {
    return this.#db.export();
  }

  async save(): Promise<void> {
    await kvSet(STORE_KEY, this.bytes());
  }

  close(): void {
    this.#db.close();
  }
}
