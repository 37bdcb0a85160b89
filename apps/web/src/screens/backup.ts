/**
 * Chat backup: when the last backup was made and how big it is, the "Back up" button with
 * its progress (the area keeps its height, so nothing jumps while it runs), and the way to
 * the end-to-end encrypted backup settings.
 */
import { h } from "preact";
import { backUpNow } from "../backup/run-backup.ts";
import { useActivity, useApp } from "../ui/app-context.ts";
import { Button, Notice, ProgressBar, Row, Screen } from "../ui/components.ts";
import { formatBytes, formatMoment } from "../ui/format.ts";
import { E2EE } from "../ui/router.ts";

/** Starts a backup and refreshes the settings when it ends; errors show through the activity. */
export function startBackup(app: ReturnType<typeof useApp>): void {
  backUpNow(app.conn, app.chats).then(() => app.reloadSettings(), () => app.reloadSettings());
}

export function BackupScreen() {
  const app = useApp();
  const { settings } = app;
  const activity = useActivity();
  const running = activity.kind === "running";
  const last = settings.lastBackup;
  return h(Screen, { title: "Chat backup", back: "/settings/chats" },
    h("p", { class: "lead" }, "Back up your messages and media to this server's backup storage, end-to-end encrypted: only you can read the backup. Restore it when you sign in on a new phone."),
    h("dl", { class: "facts" },
      h("div", null, h("dt", null, "Last backup"), h("dd", { id: "last-backup" }, last ? formatMoment(Date.parse(last.time)) : "Never")),
      h("div", null, h("dt", null, "Size"), h("dd", { id: "backup-size" }, last ? formatBytes(last.sizeBytes) : "—"))),
    h("div", { class: "activity-area", "aria-live": "polite" },
      running
        ? h(ProgressBar, { fraction: activity.fraction, label: activity.operation === "backup" ? activity.phase : "Restoring…" })
        : activity.kind === "failed" && activity.operation === "backup"
          ? h(Notice, { kind: "error" }, `Backup failed. ${activity.message}`)
          : activity.kind === "succeeded" && activity.operation === "backup" ? h(Notice, { kind: "success", id: "backup-complete" }, "Backup complete.")
            : !settings.enabled ? h("p", { class: "hint" }, "Turn on end-to-end encrypted backup to back up your chats.") : null),
    h(Button, {
      id: "back-up", disabled: running || !settings.enabled,
      onClick: () => startBackup(app),
    }, running ? "Backing up…" : "Back up"),
    h("nav", { class: "rows", "aria-label": "Backup settings" },
      h(Row, { href: E2EE, label: "End-to-end encrypted backup", detail: settings.enabled ? `On · ${settings.protection === "key" ? "64-digit key" : "password"}` : "Off", icon: "lock" })));
}
