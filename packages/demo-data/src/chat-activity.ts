/**
 * Reads the chats of an existing demo message store for code that appends to it
 * (the "one day later" mutation, the live writer used by snapshot tests).
 */
import type Database from "better-sqlite3";
import { DemoDataError } from "./errors.ts";
import type { ChatInfo } from "./people.ts";

/** Chats, most active first (by message count), so the day's activity follows the history's. */
export function loadChats(db: Database.Database): ChatInfo[] {
  const rows = db
    .prepare("SELECT c.id, c.jid, c.is_group, (SELECT count(*) FROM messages m WHERE m.chat_id = c.id) AS n FROM chats c ORDER BY n DESC, c.id")
    .all() as Array<{ id: number; jid: string; is_group: number; n: number }>;
  if (rows.length === 0) throw new DemoDataError("the demo message store has no chats");
  const members = new Map<number, string[]>();
  const memberRows = db
    .prepare("SELECT p.chat_id, k.jid FROM group_participants p JOIN contacts k ON k.id = p.contact_id ORDER BY p.chat_id, k.id")
    .all() as Array<{ chat_id: number; jid: string }>;
  for (const r of memberRows) {
    const list = members.get(r.chat_id) ?? [];
    list.push(r.jid);
    members.set(r.chat_id, list);
  }
  return rows.map((r) => ({ id: r.id, jid: r.jid, isGroup: r.is_group === 1, memberJids: r.is_group === 1 ? (members.get(r.id) ?? []) : [r.jid] }));
}
