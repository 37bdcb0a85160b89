/**
 * The demo message-store schema: a simplified WhatsApp `msgstore.db`. The secondary
 * indexes matter for backups: a day of new messages touches index b-tree pages all over
 * the file, not only the tail, which is what makes page-level dedup worth measuring.
 */

/** Value of `props.schema` in a demo database. */
export const DEMO_SCHEMA = "chatvault-demo-msgstore/1";

/** `messages.status` values. */
export const MessageStatus = { received: 0, sent: 1, delivered: 2, read: 3 } as const;

/** Tables, created before any row so pages interleave the way an app's do. */
export const SCHEMA_SQL = `
CREATE TABLE props (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  jid TEXT NOT NULL UNIQUE,
  display_name TEXT,
  status_text TEXT
);
CREATE TABLE chats (
  id INTEGER PRIMARY KEY,
  jid TEXT NOT NULL UNIQUE,
  subject TEXT,
  is_group INTEGER NOT NULL,
  created INTEGER NOT NULL,
  last_message_id INTEGER
);
CREATE TABLE group_participants (
  chat_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  PRIMARY KEY (chat_id, contact_id)
) WITHOUT ROWID;
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  chat_id INTEGER NOT NULL,
  from_me INTEGER NOT NULL,
  sender_jid TEXT,
  timestamp INTEGER NOT NULL,
  text TEXT,
  status INTEGER NOT NULL,
  media_id INTEGER,
  quoted_id INTEGER
);
CREATE TABLE media (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL,
  path TEXT NOT NULL UNIQUE,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE INDEX messages_chat_timestamp ON messages (chat_id, timestamp);
CREATE INDEX messages_timestamp ON messages (timestamp);
CREATE INDEX messages_sender ON messages (sender_jid);
CREATE INDEX media_message ON media (message_id);
`;

/** Names of the indexes a demo database must have. */
export const DEMO_INDEXES = ["messages_chat_timestamp", "messages_timestamp", "messages_sender", "media_message"] as const;

/** One row of `messages`, as the generator and the live writer insert it. */
export interface MessageRow {
  id: number;
  chat_id: number;
  from_me: 0 | 1;
  sender_jid: string | null;
  timestamp: number;
  text: string | null;
  status: number;
  media_id: number | null;
  quoted_id: number | null;
}

/** Parameterised insert for {@link MessageRow}. */
export const INSERT_MESSAGE_SQL =
  "INSERT INTO messages (id, chat_id, from_me, sender_jid, timestamp, text, status, media_id, quoted_id) " +
  "VALUES (@id, @chat_id, @from_me, @sender_jid, @timestamp, @text, @status, @media_id, @quoted_id)";

/** Parameterised insert for one `media` row. */
export const INSERT_MEDIA_SQL = "INSERT INTO media (id, message_id, path, mime, size, sha256) VALUES (@id, @message_id, @path, @mime, @size, @sha256)";
