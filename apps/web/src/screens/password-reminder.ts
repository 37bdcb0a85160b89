/**
 * The password reminder, now and then (default every 2 weeks, password mode only): a
 * sheet that asks for the backup password so the user finds out they forgot it while this
 * phone still works. It says what a wrong answer costs before asking (backup/reminder.ts:
 * a real unlock, no verifier on the phone); a wrong answer is reported with the attempts
 * left. "Not now" asks again an interval later; "Turn off reminders" stops it (also on the
 * End-to-end encrypted backup screen).
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { StatusResponse } from "@chatvault/vault-protocol";
import { WrongPasswordError } from "@chatvault/vault-protocol";
import { attemptsText, describeError } from "../backup/errors.ts";
import { answerReminder, markReminded, reminderAllowed } from "../backup/reminder.ts";
import { reminderDue } from "../backup/schedule.ts";
import { loadSettings, saveSettings } from "../backup/settings.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Field, HiddenUsername, Notice } from "../ui/components.ts";

type View = { kind: "hidden" } | { kind: "asking"; status: StatusResponse } | { kind: "right" };

export function ReminderHost() {
  const app = useApp();
  const [view, setView] = useState<View>({ kind: "hidden" });
  useEffect(() => {
    // What was decided, on the page for tests to wait for (absence cannot be awaited).
    const decided = (d: string) => void (document.body.dataset.reminder = d);
    if (!reminderDue(app.settings, Date.now())) return decided("not-due");
    let live = true;
    // Only when the vault allows it without risk: enabled, unlocked, more than 1 attempt left.
    app.conn.vault.status().then(
      (s) => {
        if (!live) return;
        if (!reminderAllowed(s)) return decided("not-allowed");
        setView({ kind: "asking", status: s });
        decided("shown");
      },
      () => decided("vault-unreachable"),
    );
    return () => void (live = false);
  }, [app.conn, app.settings.enabled, app.settings.reminderAskedAt, app.settings.reminderEvery]);
  if (view.kind === "hidden") return null;
  const close = async (turnOff: boolean) => {
    if (turnOff) await saveSettings({ ...(await loadSettings()), reminderEvery: "off" });
    else await markReminded();
    setView({ kind: "hidden" });
    await app.reloadSettings();
  };
  return h(
    "div",
    { class: "reminder", role: "dialog", "aria-labelledby": "reminder-title", id: "password-reminder" },
    view.kind === "right"
      ? h(
          "div",
          { class: "stack" },
          h(Notice, { kind: "success", id: "reminder-result" }, "That's right: you remember your backup password. No attempt was used."),
          h(Button, { id: "reminder-done", onClick: () => setView({ kind: "hidden" }) }, "Done"),
        )
      : h(Asking, {
          account: app.session.account,
          status: view.status,
          onRight: async () => {
            setView({ kind: "right" });
            await app.reloadSettings();
          },
          onClose: close,
        }),
  );
}

function Asking(p: { account: string; status: StatusResponse; onRight: () => Promise<void>; onClose: (turnOff: boolean) => Promise<void> }) {
  const app = useApp();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [left, setLeft] = useState(p.status.attemptsRemaining);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!password || busy) return;
    setBusy(true);
    setError("");
    try {
      await answerReminder(app.conn, password);
      await p.onRight();
    } catch (err) {
      setPassword("");
      // Asked and answered: a reload does not bring the sheet straight back.
      await markReminded().catch(() => undefined);
      if (err instanceof WrongPasswordError && !err.retryAfter && !err.destroyed) {
        const n = err.attemptsRemaining ?? 0;
        setLeft(n);
        setError(`That's not your backup password. This check used 1 attempt: ${attemptsText(n)}. A right password later resets the count.`);
      } else setError(describeError(err));
      setBusy(false);
    }
  };
  const canTry = left > 1;
  return h(
    "form",
    { class: "stack", onSubmit: submit },
    h("h2", { id: "reminder-title", tabIndex: -1 }, "Do you remember your backup password?"),
    h(
      "p",
      { class: "hint", id: "reminder-cost" },
      `Enter it to make sure you can restore your chats on a new phone. This is a real unlock at the key vault: a right password uses no attempt; a wrong one uses 1 of your ${attemptsText(left)}.`,
    ),
    h(HiddenUsername, { account: p.account }),
    canTry
      ? h(Field, {
          id: "reminder-password",
          label: "Backup password",
          type: "password",
          value: password,
          onInput: setPassword,
          autoComplete: "current-password",
          disabled: busy,
          invalid: !!error,
        })
      : null,
    error ? h(Notice, { kind: "error", id: "reminder-error" }, error) : null,
    !canTry
      ? h(
          Notice,
          { kind: "warning", id: "reminder-stopped" },
          "Only 1 attempt is left, so the reminder stops here. If you're unsure of your password, change it from this phone (Settings → Chats → Chat backup → End-to-end encrypted backup).",
        )
      : null,
    h(
      "div",
      { class: "button-row" },
      canTry ? h(Button, { type: "submit", id: "reminder-check", disabled: !password || busy }, busy ? "Checking…" : "Check") : null,
      h(Button, { kind: "secondary", id: "reminder-later", disabled: busy, onClick: () => void p.onClose(false) }, "Not now"),
    ),
    h(Button, { kind: "link", id: "reminder-off", disabled: busy, onClick: () => void p.onClose(true) }, "Turn off reminders"),
  );
}
