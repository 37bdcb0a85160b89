/**
 * Contacts, chats and group memberships of a demo account: who talks, in which chats.
 */
import type { Rng } from "./prng.ts";
import { displayName, messageText } from "./vocabulary.ts";

/** What the message stream needs to know about one chat. */
export interface ChatInfo {
  id: number;
  jid: string;
  isGroup: boolean;
  /** The other party of a 1:1 chat, or the group's participants (never the account owner). */
  memberJids: string[];
}

/** One `contacts` row. */
export interface ContactRow {
  id: number;
  jid: string;
  display_name: string;
  status_text: string | null;
}

/** One `chats` row plus its members. */
export interface ChatRow extends ChatInfo {
  subject: string | null;
  created: number;
}

/** Everyone in a demo account. */
export interface Cast {
  contacts: ContactRow[];
  chats: ChatRow[];
  /** `[chat_id, contact_id]` rows of `group_participants`. */
  participants: Array<[number, number]>;
}

const COUNTRY_CODES = ["1", "44", "49", "55", "91", "34", "33", "39", "81", "7", "90", "62", "234", "52", "31", "27"];

function uniqueJid(seen: Set<string>, make: () => string): string {
  for (;;) {
    const jid = make();
    if (!seen.has(jid)) {
      seen.add(jid);
      return jid;
    }
  }
}

function digits(rng: Rng, n: number): string {
  let s = String(rng.range(1, 9));
  for (let i = 1; i < n; i++) s += String(rng.int(10));
  return s;
}

/**
 * Builds `chatCount` chats (about one in five a group) and twice as many contacts.
 * Chat ids follow creation time, all before `startMs`.
 */
export function castOfCharacters(rng: Rng, chatCount: number, startMs: number): Cast {
  if (!Number.isInteger(chatCount) || chatCount < 1) throw new RangeError("chatCount must be a positive integer");
  const seen = new Set<string>();
  const contacts: ContactRow[] = [];
  const contactCount = chatCount * 2;
  for (let id = 1; id <= contactCount; id++) {
    const jid = uniqueJid(seen, () => `${rng.pick(COUNTRY_CODES)}${digits(rng, rng.range(9, 10))}@s.whatsapp.net`);
    const statusText = rng.chance(0.5) ? messageText(rng, rng.range(5, 40)) : null;
    contacts.push({ id, jid, display_name: displayName(rng, false), status_text: statusText });
  }

  const yearMs = 365 * 24 * 3600 * 1000;
  const created = Array.from({ length: chatCount }, () => startMs - 1 - rng.int(3 * yearMs)).sort((a, b) => a - b);
  const chats: ChatRow[] = [];
  const participants: Array<[number, number]> = [];
  let nextOneToOne = 0;
  for (let id = 1; id <= chatCount; id++) {
    const isGroup = rng.chance(0.2) || nextOneToOne >= contacts.length;
    if (isGroup) {
      const jid = uniqueJid(seen, () => `120363${digits(rng, 12)}@g.us`);
      const size = Math.min(contacts.length, Math.floor(rng.logUniform(3, 60)));
      const members = new Set<number>();
      while (members.size < size) members.add(rng.int(contacts.length));
      const memberIdx = [...members].sort((a, b) => a - b);
      for (const m of memberIdx) participants.push([id, contacts[m]!.id]);
      chats.push({ id, jid, isGroup, memberJids: memberIdx.map((m) => contacts[m]!.jid), subject: displayName(rng, true), created: created[id - 1]! });
    } else {
      const peer = contacts[nextOneToOne++]!;
      chats.push({ id, jid: peer.jid, isGroup, memberJids: [peer.jid], subject: null, created: created[id - 1]! });
    }
  }
  return { contacts, chats, participants };
}

/** A Fisher–Yates shuffle, returning a new array. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
