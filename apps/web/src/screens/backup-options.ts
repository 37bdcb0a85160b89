/**
 * On Chat backup: when the phone backs up on its own ("Back up: Daily / Weekly / Monthly /
 * Only when I tap Back up", while the app is open), whether videos are included, and the
 * restore check — "Check backup" now, the automatic check's interval, and the last result.
 */
import { h } from "preact";
import { checkBackup } from "../backup/check.ts";
import { checkEveryOf, scheduleOf } from "../backup/schedule.ts";
import { type BackupSchedule, type BackupSettings, type CheckInterval, loadSettings, saveSettings } from "../backup/settings.ts";
import { useActivity, useApp } from "../ui/app-context.ts";
import { Button, Notice } from "../ui/components.ts";
import { formatMoment } from "../ui/format.ts";

const SCHEDULES: [BackupSchedule, string][] = [
  ["daily", "Daily"],
  ["weekly", "Weekly"],
  ["monthly", "Monthly"],
  ["manual", "Only when I tap Back up"],
];
const CHECKS: [CheckInterval, string][] = [
  ["weekly", "Weekly"],
  ["monthly", "Monthly"],
  ["never", "Never"],
];

function Select<T extends string>(p: { id: string; label: string; value: T; options: [T, string][]; disabled?: boolean; onChange: (v: T) => void }) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: p.id }, p.label),
    h(
      "select",
      { id: p.id, value: p.value, disabled: p.disabled, onChange: (e: Event) => p.onChange((e.currentTarget as HTMLSelectElement).value as T) },
      p.options.map(([v, text]) => h("option", { key: v, value: v }, text)),
    ),
  );
}

export function BackupOptions() {
  const app = useApp();
  const s = app.settings;
  const save = async (change: Partial<BackupSettings>) => {
    await saveSettings({ ...(await loadSettings()), ...change });
    await app.reloadSettings();
  };
  return h(
    "section",
    { class: "stack", "aria-labelledby": "backup-options-title" },
    h("h2", { id: "backup-options-title", class: "section-title" }, "Backup options"),
    h(Select<BackupSchedule>, {
      id: "backup-schedule",
      label: "Back up",
      value: scheduleOf(s),
      options: SCHEDULES,
      disabled: !s.enabled,
      onChange: (v) => void save({ schedule: v }),
    }),
    h(
      "p",
      { class: "hint", id: "schedule-hint" },
      scheduleOf(s) === "manual"
        ? "Backups run only when you tap Back up."
        : "Backups run on their own while this app is open, once the period has passed since the last one.",
    ),
    h(
      "label",
      { class: "check" },
      h("input", {
        type: "checkbox",
        id: "include-videos",
        checked: s.includeVideos !== false,
        disabled: !s.enabled,
        onChange: (e: Event) => void save({ includeVideos: (e.currentTarget as HTMLInputElement).checked }),
      }),
      " Include videos",
    ),
    s.includeVideos === false
      ? h("p", { class: "hint", id: "videos-hint" }, "Videos stay on this phone only: they are not in the backup and a restore won't bring them back.")
      : null,
  );
}

export function CheckSection() {
  const app = useApp();
  const s = app.settings;
  const activity = useActivity();
  const running = activity.kind === "running";
  const last = s.lastCheck;
  const save = async (checkEvery: CheckInterval) => {
    await saveSettings({ ...(await loadSettings()), checkEvery });
    await app.reloadSettings();
  };
  return h(
    "section",
    { class: "stack", "aria-labelledby": "check-title" },
    h("h2", { id: "check-title", class: "section-title" }, "Restore check"),
    h(
      "p",
      { class: "hint" },
      "A check downloads and decrypts your whole backup and opens its chats, as a restore on a new phone would, without changing anything here.",
    ),
    !last
      ? h("p", { id: "last-check" }, s.enabled ? "Not checked yet." : "—")
      : last.ok
        ? h(Notice, { kind: "success", id: "last-check" }, `Last verified restorable: ${formatMoment(Date.parse(last.checkedAt))}, snapshot ${last.sequence}.`)
        : h(Notice, { kind: "error", id: "last-check" }, `Check failed ${formatMoment(Date.parse(last.checkedAt))}: ${last.message}`),
    h(
      Button,
      {
        kind: "secondary",
        id: "check-backup",
        disabled: running || !s.enabled || !s.lastBackup,
        onClick: () => void checkBackup(app.conn).then(() => app.reloadSettings()),
      },
      running && activity.operation === "check" ? "Checking…" : "Check backup",
    ),
    h(Select<CheckInterval>, {
      id: "check-every",
      label: "Check automatically",
      value: checkEveryOf(s),
      options: CHECKS,
      disabled: !s.enabled,
      onChange: (v) => void save(v),
    }),
  );
}
