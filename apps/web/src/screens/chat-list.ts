/** The chat list: most recent chat first, with the last message. */
import { h } from "preact";
import { useApp } from "../ui/app-context.ts";
import { Screen } from "../ui/components.ts";
import { formatWhen } from "../ui/format.ts";
import { Icon } from "../ui/icons.ts";

export function ChatListScreen() {
  const { chats } = useApp();
  const list = chats.chats();
  return h(Screen, {
    title: "Chats",
    actions: h("a", { class: "icon-button", href: "#/settings", "aria-label": "Settings" }, h(Icon, { name: "menu" })),
  },
  h("ul", { class: "chat-list", "aria-label": "Chats" }, list.map((c) =>
    h("li", { key: c.id },
      h("a", { class: "chat-row", href: `#/chat/${c.id}` },
        h("span", { class: "avatar", "aria-hidden": "true" }, ([...c.name][0] ?? "?").toUpperCase()),
        h("span", { class: "chat-main" },
          h("span", { class: "chat-top" },
            h("span", { class: "chat-name" }, c.name),
            c.lastTime !== null ? h("time", { class: "chat-time", dateTime: new Date(c.lastTime).toISOString() }, formatWhen(c.lastTime)) : null),
          h("span", { class: "chat-preview" }, preview(c.lastText, c.lastFromMe, c.lastHasMedia))))))));
}

function preview(text: string | null, fromMe: boolean, media: boolean): string {
  const body = text ?? (media ? "Photo or video" : "");
  return fromMe ? `You: ${body}` : body;
}
