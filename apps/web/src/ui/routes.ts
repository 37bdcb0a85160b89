/**
 * Which screen each route shows, for a logged-in phone. At desktop width the chat list
 * stays on the left and the route's screen (a conversation, or the settings flow as a
 * panel) opens beside it, as WhatsApp's web client does; at phone width one screen at a time.
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { BackupScreen } from "../screens/backup.ts";
import { ChangePasswordScreen } from "../screens/change-password.ts";
import { ChatListScreen } from "../screens/chat-list.ts";
import { ConversationScreen } from "../screens/conversation.ts";
import { CreateKeyScreen } from "../screens/create-key.ts";
import { CreatePasskeyScreen } from "../screens/create-passkey.ts";
import { CreatePasswordScreen } from "../screens/create-password.ts";
import { E2eeScreen } from "../screens/e2ee.ts";
import { E2eeReadyScreen } from "../screens/e2ee-ready.ts";
import { ChatsSettingsScreen, SettingsScreen } from "../screens/settings.ts";
import { TurnOffScreen } from "../screens/turn-off.ts";
import { Icon } from "./icons.ts";
import { E2EE, useRoute } from "./router.ts";

export { E2EE };

/** Wide enough for a chat list (~24rem) and a readable conversation beside it. */
export const SIDE_BY_SIDE = "(min-width: 900px)";

function screenFor(route: string) {
  const chat = /^\/chat\/(\d+)$/.exec(route);
  if (chat) return h(ConversationScreen, { chatId: Number(chat[1]) });
  switch (route) {
    case "/settings":
      return h(SettingsScreen, null);
    case "/settings/chats":
      return h(ChatsSettingsScreen, null);
    case "/settings/chats/backup":
      return h(BackupScreen, null);
    case E2EE:
      return h(E2eeScreen, null);
    case `${E2EE}/password`:
      return h(CreatePasswordScreen, null);
    case `${E2EE}/key`:
      return h(CreateKeyScreen, null);
    case `${E2EE}/passkey`:
      return h(CreatePasskeyScreen, null);
    case `${E2EE}/ready`:
      return h(E2eeReadyScreen, null);
    case `${E2EE}/change-password`:
      return h(ChangePasswordScreen, null);
    case `${E2EE}/turn-off`:
      return h(TurnOffScreen, null);
    default:
      return undefined;
  }
}

function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => globalThis.matchMedia(query).matches);
  useEffect(() => {
    const m = globalThis.matchMedia(query);
    const on = () => setMatches(m.matches);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, [query]);
  return matches;
}

export function Routes() {
  const route = useRoute();
  const wide = useMedia(SIDE_BY_SIDE);
  const screen = screenFor(route);
  if (!wide) return screen ?? h(ChatListScreen, null);
  const chat = /^\/chat\/(\d+)$/.exec(route);
  return h(
    "div",
    { class: "side-by-side" },
    h("div", { class: "pane list-pane" }, h(ChatListScreen, { activeChatId: chat ? Number(chat[1]) : undefined, focusHeading: !screen })),
    h("div", { class: "pane detail-pane", key: screen ? "screen" : "empty" }, screen ?? h(NoChatOpen, null)),
  );
}

function NoChatOpen() {
  return h(
    "div",
    { class: "no-chat", id: "no-chat-open" },
    h("span", { class: "hero" }, h(Icon, { name: "chat", size: 64 })),
    h("p", { class: "lead" }, "Select a chat to read it here. Your backup settings are under Settings."),
  );
}
