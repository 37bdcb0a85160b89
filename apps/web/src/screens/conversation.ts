/** One conversation: the newest messages, and a box to send one (saved on the phone at once). */
import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../backup/errors.ts";
import type { Message } from "../chats/chat-db.ts";
import { useApp } from "../ui/app-context.ts";
import { Notice, Screen } from "../ui/components.ts";
import { formatBytes, formatWhen } from "../ui/format.ts";
import { Icon } from "../ui/icons.ts";

export function ConversationScreen(p: { chatId: number }) {
  const { chats, chatsChanged } = useApp();
  const chat = chats.chat(p.chatId);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  const end = useRef<HTMLLIElement>(null);
  const messages = chat ? chats.messages(p.chatId) : [];
  const newest = messages[messages.length - 1]?.id;
  useEffect(() => end.current?.scrollIntoView({ block: "end" }), [newest, p.chatId]);
  if (!chat) return h(Screen, { title: "Chat", back: "/" }, h(Notice, { kind: "error" }, "This chat doesn't exist."));
  const send = async (e: Event) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text) return;
    try {
      await chats.send(p.chatId, text);
      setDraft("");
      setError("");
      chatsChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return h(
    Screen,
    { title: chat.name, back: "/", id: "conversation" },
    h(
      "ol",
      { class: "messages", "aria-label": `Messages with ${chat.name}` },
      messages.map((m) => h(Bubble, { key: m.id, m, group: chat.isGroup })),
      h("li", { ref: end, class: "messages-end", "aria-hidden": "true" }),
    ),
    error ? h(Notice, { kind: "error" }, error) : null,
    h(
      "form",
      { class: "composer", onSubmit: send },
      h("label", { for: "draft", class: "visually-hidden" }, "Message"),
      h("input", {
        id: "draft",
        value: draft,
        placeholder: "Message",
        autoComplete: "off",
        onInput: (e: Event) => setDraft((e.currentTarget as HTMLInputElement).value),
      }),
      h("button", { type: "submit", class: "button primary send", disabled: draft.trim() === "" }, "Send"),
    ),
  );
}

function Bubble(p: { m: Message; group: boolean }) {
  const { m } = p;
  return h(
    "li",
    { class: `bubble ${m.fromMe ? "mine" : "theirs"}` },
    p.group && !m.fromMe && m.sender ? h("span", { class: "sender" }, m.sender) : null,
    m.mediaMime ? h("span", { class: "media" }, h(Icon, { name: "photo", size: 18 }), ` ${mediaLabel(m.mediaMime)} · ${formatBytes(m.mediaSize ?? 0)}`) : null,
    m.text ? h("span", { class: "text" }, m.text) : null,
    h("time", { dateTime: new Date(m.timestamp).toISOString() }, formatWhen(m.timestamp)),
  );
}

function mediaLabel(mime: string): string {
  if (mime.startsWith("image/")) return "Photo";
  if (mime.startsWith("video/")) return "Video";
  if (mime.startsWith("audio/")) return "Voice message";
  return "File";
}
