/** What every screen of a logged-in phone can reach. */
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { Connections } from "../backup/connections.ts";
import type { BackupSettings } from "../backup/settings.ts";
import { type Activity, activity, onActivity } from "../backup/activity.ts";
import type { ChatDb } from "../chats/chat-db.ts";
import type { Session } from "../platform/session.ts";

export interface AppState {
  session: Session;
  conn: Connections;
  chats: ChatDb;
  settings: BackupSettings;
  /** Re-read settings and redraw (after a backup, enable, turn off). */
  reloadSettings(): Promise<void>;
  /** Redraw after the chats changed. */
  chatsChanged(): void;
  /** Forget this phone's account and data. */
  logout(): Promise<void>;
  /** Open the restore screen for the account's backup (after "Skip restore", or a backup made elsewhere). */
  offerRestore(): Promise<void>;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error("useApp outside the app");
  return s;
}

export function useActivity(): Activity {
  const [a, setA] = useState(activity());
  useEffect(() => onActivity(setA), []);
  return a;
}
