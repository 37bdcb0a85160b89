/** Settings → Chats → Chat backup: the article's path to the backup settings. */
import { h } from "preact";
import { useApp } from "../ui/app-context.ts";
import { Button, Row, Screen } from "../ui/components.ts";

export function SettingsScreen() {
  const { session, logout } = useApp();
  return h(Screen, { title: "Settings", back: "/" },
    h("p", { class: "account" }, "Signed in as ", h("strong", null, session.account)),
    h("nav", { class: "rows", "aria-label": "Settings" },
      h(Row, { href: "/settings/chats", label: "Chats", detail: "Chat history, backup", icon: "chat" })),
    h("div", { class: "bottom" },
      h(Button, { kind: "secondary", onClick: () => void logout() }, "Log out and erase this phone")));
}

export function ChatsSettingsScreen() {
  const { settings } = useApp();
  return h(Screen, { title: "Chats", back: "/settings" },
    h("nav", { class: "rows", "aria-label": "Chats settings" },
      h(Row, { href: "/settings/chats/backup", label: "Chat backup", detail: settings.enabled ? "End-to-end encrypted" : "Off", icon: "cloud" })));
}
