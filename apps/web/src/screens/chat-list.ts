/** The chat list: most recent chat first, with the last message. */
import { h } from "preact";
import { useApp } from "../ui/app-context.ts";
import { Notice, Screen } from "../ui/components.ts";
import { useFlash } from "../ui/flash.ts";
import { formatWhen } from "../ui/format.ts";
import { Icon } from "../ui/icons.ts";

export function ChatListScreen(p: { activeChatId?: number; focusHeading?: boolean } = {}) {
  const { chats } = useApp();
  const done = useFlash();
  const list = chats.chats();
  return h(
    Screen,
    {
      title: "Chats",
      focusHeading: p.focusHeading ?? true,
      id: "chat-list",
      actions: h("a", { class: "icon-button", href: "#/settings", "aria-label": "Settings" }, h(Icon, { name: "menu" })),
    },
    done ? h(Notice, { kind: "success", id: "flash" }, done) : null,
    h(
      "ul",
      { class: "chat-list", "aria-label": "Chats" },
      list.map((c) =>
        h(
          "li",
          { key: c.id },
          h(
            "a",
            { class: "chat-row", href: `#/chat/${c.id}`, "aria-current": c.id === p.activeChatId ? "page" : undefined },
            h("span", { class: "avatar", "aria-hidden": "true" }, ([...c.name][0] ?? "?").toUpperCase()),
            h(
              "span",
              { class: "chat-main" },
              h(
                "span",
                { class: "chat-top" },
                h("span", { class: "chat-name" }, c.name),
                c.lastTime !== null ? h("time", { class: "chat-time", dateTime: new Date(c.lastTime).toISOString() }, formatWhen(c.lastTime)) : null,
              ),
              h("span", { class: "chat-preview" }, preview(c.lastText, c.lastFromMe, c.lastHasMedia)),
            ),
          ),
        ),
      ),
    ),
  );
}

function preview(text: string | null, fromMe: boolean, media: boolean): string {
  const body = text ?? (media ? "Photo or video" : "");
  return fromMe ? `You: ${body}` : body;
}
