/**
 * End-to-end encrypted backup. Off: the explanation and "Continue" (the article's first
 * step). On: how the backup is protected, "Change password" and "Turn off".
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type BackupFacts, backupFacts } from "../backup/backup-facts.ts";
import { describeError } from "../backup/errors.ts";
import { type GuessLimits, limitsOf, lockRulesText } from "../backup/lock-texts.ts";
import { findBackup } from "../backup/repository.ts";
import { reminderEveryOf } from "../backup/schedule.ts";
import { type ReminderInterval, loadSettings, saveSettings } from "../backup/settings.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, OtherCopiesNote, Row, Screen, Spinner } from "../ui/components.ts";
import { formatMoment } from "../ui/format.ts";
import { Icon } from "../ui/icons.ts";
import { E2EE, navigate } from "../ui/router.ts";
import { enableFlow } from "./enable-flow.ts";
import { PasskeyList } from "./passkeys.ts";

const BACK = "/settings/chats/backup";

export function E2eeScreen() {
  const { settings } = useApp();
  return settings.enabled ? h(E2eeOnScreen, null) : h(E2eeIntroScreen, null);
}

/** Realms mode (backup/realm-vault.ts): who keeps the key, in the user's words. */
function realmsKeeperText(set: { threshold: number; realms: unknown[] }): string {
  return `With a password, the key is split across ${set.realms.length} key vaults run separately: any ${set.threshold} of them can unlock it, none of them learns your password, and fewer than ${set.threshold} together cannot even test a guess.`;
}

function E2eeIntroScreen() {
  const { conn } = useApp();
  const [existing, setExisting] = useState<BackupFacts | null | undefined>(undefined);
  const [limits, setLimits] = useState<GuessLimits>(limitsOf(undefined));
  const [error, setError] = useState("");
  useEffect(() => {
    (async () => {
      const f = await findBackup(conn.storage);
      setExisting(f ? await backupFacts(conn, f) : null);
    })().catch((e: unknown) => setError(describeError(e)));
    // The numbers of the vault this account uses (its policy), not the defaults, once it answers.
    conn.vault.status().then(
      (s) => setLimits(limitsOf(s)),
      () => undefined,
    );
  }, [conn]);
  return h(
    Screen,
    { title: "End-to-end encrypted backup", back: BACK },
    h("div", { class: "hero" }, h(Icon, { name: "lock", size: 64 })),
    h(
      "p",
      { class: "lead" },
      "Protect your backup with end-to-end encryption. No one — not chatvault, not this server, not the backup storage — will be able to read your backup or get the key to unlock it.",
    ),
    h(
      "ul",
      { class: "points" },
      h("li", null, "You choose a password, or use a passkey or a 64-digit encryption key instead."),
      h(
        "li",
        null,
        `${conn.realms ? realmsKeeperText(conn.realms.realmSet) : "With a password, the key is kept in a key vault that never learns your password."} ${lockRulesText(limits)}`,
      ),
      h("li", null, "If you lose your phone and forget your password or key, nobody can restore your backup for you."),
    ),
    existing === undefined && !error ? h(Spinner, { label: "Checking for an existing backup…" }) : null,
    existing
      ? h(
          Notice,
          { kind: "warning" },
          `A backup${existing.lastBackupAt ? ` from ${formatMoment(existing.lastBackupAt)}` : ""} already exists for this account. Turning on end-to-end encrypted backup here replaces it.`,
        )
      : null,
    error ? h(Notice, { kind: "error" }, error) : null,
    h(
      Button,
      {
        disabled: existing === undefined && !error,
        onClick: () => {
          enableFlow.replaceExisting = !!existing;
          navigate(`${E2EE}/password`);
        },
      },
      "Continue",
    ),
    h(OtherCopiesNote, null),
  );
}

const REMINDERS: [ReminderInterval, string][] = [
  ["weekly", "Every week"],
  ["2weeks", "Every 2 weeks"],
  ["monthly", "Every month"],
  ["off", "Off"],
];

function E2eeOnScreen() {
  const app = useApp();
  const { settings } = app;
  const password = settings.protection === "password";
  const setReminder = async (reminderEvery: ReminderInterval) => {
    await saveSettings({ ...(await loadSettings()), reminderEvery });
    await app.reloadSettings();
  };
  return h(
    Screen,
    { title: "End-to-end encrypted backup", back: BACK },
    h("div", { class: "hero" }, h(Icon, { name: "lock", size: 64 })),
    h(
      Notice,
      { kind: "success" },
      `End-to-end encrypted backup is on. Your backup is protected by ${password ? "a password" : settings.protection === "passkey" ? "a passkey" : "a 64-digit encryption key"}.`,
    ),
    settings.protection === "passkey" ? h(PasskeyList, null) : null,
    h(
      "nav",
      { class: "rows", "aria-label": "Encrypted backup settings" },
      password ? h(Row, { href: `${E2EE}/change-password`, label: "Change password", icon: "key" }) : null,
      h(Row, { href: `${E2EE}/turn-off`, label: "Turn off", detail: "Deletes the key and the backup", icon: "power" }),
    ),
    password
      ? h(
          "div",
          { class: "field" },
          h("label", { for: "reminder-every" }, "Password reminder"),
          h(
            "select",
            {
              id: "reminder-every",
              value: reminderEveryOf(settings),
              onChange: (e: Event) => void setReminder((e.currentTarget as HTMLSelectElement).value as ReminderInterval),
            },
            REMINDERS.map(([v, t]) => h("option", { key: v, value: v }, t)),
          ),
          h(
            "p",
            { class: "hint", id: "reminder-every-hint" },
            "Now and then the app asks for your password, so you find out in time if you forgot it. A wrong answer uses 1 of the key vault's attempts, and you're told so; a right one uses none.",
          ),
        )
      : null,
  );
}
