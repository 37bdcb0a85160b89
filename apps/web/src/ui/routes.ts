/** Which screen each route shows, for a logged-in phone. */
import { h } from "preact";
import { BackupScreen } from "../screens/backup.ts";
import { ChangePasswordScreen } from "../screens/change-password.ts";
import { ChatListScreen } from "../screens/chat-list.ts";
import { ConversationScreen } from "../screens/conversation.ts";
import { CreateKeyScreen } from "../screens/create-key.ts";
import { CreatePasswordScreen } from "../screens/create-password.ts";
import { E2eeScreen } from "../screens/e2ee.ts";
import { E2eeReadyScreen } from "../screens/e2ee-ready.ts";
import { ChatsSettingsScreen, SettingsScreen } from "../screens/settings.ts";
import { TurnOffScreen } from "../screens/turn-off.ts";
import { E2EE, useRoute } from "./router.ts";

export { E2EE };

function screenFor(route: string) {
  const chat = /^\/chat\/(\d+)$/.exec(route);
  if (chat) return h(ConversationScreen, { chatId: Number(chat[1]) });
  switch (route) {
    case "/settings": return h(SettingsScreen, null);
    case "/settings/chats": return h(ChatsSettingsScreen, null);
    case "/settings/chats/backup": return h(BackupScreen, null);
    case E2EE: return h(E2eeScreen, null);
    case `${E2EE}/password`: return h(CreatePasswordScreen, null);
    case `${E2EE}/key`: return h(CreateKeyScreen, null);
    case `${E2EE}/ready`: return h(E2eeReadyScreen, null);
    case `${E2EE}/change-password`: return h(ChangePasswordScreen, null);
    case `${E2EE}/turn-off`: return h(TurnOffScreen, null);
    default: return h(ChatListScreen, null);
  }
}

export function Routes() {
  return screenFor(useRoute());
}
