/**
 * Settings → Chats → Chat backup: the article's path to the backup settings. Settings also
 * offers "Restore backup" when the account has a backup this phone does not use (restore
 * was skipped), and asks before "Log out and erase this phone", saying whether the chats
 * are in a backup.
 */
import { h } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../backup/errors.ts";
import { type FoundBackup, findBackup } from "../backup/repository.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, Row, Screen, Spinner } from "../ui/components.ts";
import { formatMoment } from "../ui/format.ts";

export function SettingsScreen() {
  const app = useApp();
  const { session, settings } = app;
  const [found, setFound] = useState<FoundBackup | null | undefined>(undefined);
  const [error, setError] = useState("");
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    findBackup(app.conn.storage).then(
      (f) => setFound(f ?? null),
      (e: unknown) => setError(describeError(e)),
    );
  }, [app.conn]);
  const notUsed = !settings.enabled && !!found;
  return h(
    Screen,
    { title: "Settings", back: "/" },
    h("p", { class: "account" }, "Signed in as ", h("strong", null, session.account)),
    h("nav", { class: "rows", "aria-label": "Settings" }, h(Row, { href: "/settings/chats", label: "Chats", detail: "Chat history, backup", icon: "chat" })),
    notUsed
      ? h(
          "div",
          { class: "stack" },
          h("p", { class: "hint" }, "Your account has a backup that this phone doesn't use."),
          h(Button, { kind: "secondary", id: "restore-backup", onClick: () => void app.offerRestore() }, "Restore backup"),
        )
      : null,
    error ? h(Notice, { kind: "error" }, error) : null,
    h(
      "div",
      { class: "bottom stack" },
      confirming
        ? h(ConfirmErase, {
            found,
            enabled: settings.enabled,
            lastBackup: settings.lastBackup?.time,
            onCancel: () => setConfirming(false),
            onErase: () => void app.logout(),
          })
        : h(Button, { kind: "secondary", id: "log-out", onClick: () => setConfirming(true) }, "Log out and erase this phone"),
    ),
  );
}

/** The last step before the chats leave this phone: what is lost, and what a restore brings back. */
function ConfirmErase(p: {
  found: FoundBackup | null | undefined;
  enabled: boolean;
  lastBackup: string | undefined;
  onCancel: () => void;
  onErase: () => void;
}) {
  const title = useRef<HTMLHeadingElement>(null);
  // The button that opened this is gone: keyboard and screen-reader users land on the question.
  useLayoutEffect(() => title.current?.focus(), []);
  let text: string;
  let kind: "warning" | "info" = "warning";
  if (p.found === undefined) text = "";
  else if (p.found && p.enabled && p.lastBackup) {
    kind = "info";
    text = `Your chats are in your end-to-end encrypted backup from ${formatMoment(Date.parse(p.lastBackup))}. Messages since then are lost. Sign in again and restore the backup with your ${p.found.config.protection === "key" ? "64-digit key" : p.found.config.protection === "passkey" ? "passkey" : "password"} to get them back.`;
  } else if (p.found && !p.enabled) {
    text = "This account has a backup, but this phone doesn't use it: the chats on this phone are not in it and will be lost for good.";
  } else {
    text = "This phone has no backup of your chats: they will be lost for good.";
  }
  return h(
    "div",
    { class: "confirm", role: "group", "aria-labelledby": "erase-title" },
    h("h2", { id: "erase-title", class: "confirm-title", ref: title, tabIndex: -1 }, "Erase this phone?"),
    p.found === undefined ? h(Spinner, { label: "Checking for a backup…" }) : h(Notice, { kind, id: "erase-consequence" }, text),
    h(
      "div",
      { class: "button-row" },
      h(Button, { kind: "danger", id: "erase", disabled: p.found === undefined, onClick: p.onErase }, "Log out and erase"),
      h(Button, { kind: "secondary", onClick: p.onCancel }, "Cancel"),
    ),
  );
}

export function ChatsSettingsScreen() {
  const { settings } = useApp();
  return h(
    Screen,
    { title: "Chats", back: "/settings" },
    h(
      "nav",
      { class: "rows", "aria-label": "Chats settings" },
      h(Row, { href: "/settings/chats/backup", label: "Chat backup", detail: settings.enabled ? "End-to-end encrypted" : "Off", icon: "cloud" }),
    ),
  );
}
