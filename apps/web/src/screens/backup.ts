/**
 * Chat backup: when the last backup was made and how big it is, the "Back up" button with
 * its progress (the area keeps its height, so nothing jumps while it runs), and the way to
 * the end-to-end encrypted backup settings. When it opens it checks the account's real
 * state: another device may have turned backup off or replaced it, or (after "Skip
 * restore") the account has a backup this phone does not use.
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type AccountState, followAccount } from "../backup/account-state.ts";
import { type BackupFacts, backupFacts } from "../backup/backup-facts.ts";
import { REPLACED_ELSEWHERE, TURNED_OFF_ELSEWHERE, describeError } from "../backup/errors.ts";
import { backUpNow } from "../backup/run-backup.ts";
import { activity } from "../backup/activity.ts";
import { useActivity, useApp } from "../ui/app-context.ts";
import { Button, Notice, OtherCopiesNote, ProgressBar, Row, Screen, Spinner } from "../ui/components.ts";
import { useFlash } from "../ui/flash.ts";
import { formatBytes, formatMoment } from "../ui/format.ts";
import { E2EE, navigate } from "../ui/router.ts";
import { AttemptHistoryNotice } from "./attempt-history.ts";
import { BackupOptions, CheckSection } from "./backup-options.ts";

/** Starts a backup and refreshes the settings when it ends; errors show through the activity. */
export function startBackup(app: ReturnType<typeof useApp>): void {
  if (activity().kind === "running") return; // e.g. a scheduled backup already under way
  backUpNow(app.conn, app.chats).then(
    () => app.reloadSettings(),
    () => app.reloadSettings(),
  );
}

export function BackupScreen() {
  const app = useApp();
  const { settings } = app;
  const activity = useActivity();
  const done = useFlash();
  const [state, setState] = useState<AccountState | undefined>(undefined);
  const [facts, setFacts] = useState<BackupFacts | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    (async () => {
      const s = await followAccount(app.conn, settings);
      if (!live) return;
      setState(s);
      if (s.kind === "turned-off-elsewhere" || s.kind === "replaced-elsewhere") await app.reloadSettings();
      if (s.kind === "backup-not-used" || s.kind === "replaced-elsewhere") {
        const f = await backupFacts(app.conn, s.found);
        if (live) setFacts(f);
      }
    })().catch((e: unknown) => live && setError(describeError(e)));
    return () => void (live = false);
    // Checked once per visit, and again when backup is turned on or off here.
  }, [app.conn, settings.enabled]);

  const running = activity.kind === "running";
  const last = settings.lastBackup;
  const notUsed = state?.kind === "backup-not-used" ? facts : undefined;
  return h(
    Screen,
    { title: "Chat backup", back: "/settings/chats" },
    h(
      "p",
      { class: "lead" },
      "Back up your messages and media to this server's backup storage, end-to-end encrypted: only you can read the backup. Restore it when you sign in on a new phone.",
    ),
    done ? h(Notice, { kind: "success", id: "flash" }, done) : null,
    h(ElsewhereNotice, { change: settings.changedElsewhere }),
    h(
      "dl",
      { class: "facts" },
      h("div", null, h("dt", null, "Last backup"), h("dd", { id: "last-backup" }, lastBackupText(settings.enabled, last?.time, notUsed))),
      h(
        "div",
        null,
        h("dt", null, "Size"),
        h("dd", { id: "backup-size" }, last && settings.enabled ? formatBytes(last.sizeBytes) : notUsed ? formatBytes(notUsed.storedBytes) : "—"),
      ),
    ),
    notUsed
      ? h(
          "div",
          { class: "notice info", id: "backup-not-used", role: "status" },
          h(
            "p",
            { class: "tight" },
            `Your account has a backup that this phone doesn't use${settings.changedElsewhere ? "" : ": you skipped restoring it"}. Restore it to get those chats back (this replaces the chats on this phone), or turn on backup here to replace it.`,
          ),
          h(Button, { kind: "secondary", onClick: () => void app.offerRestore() }, "Restore backup"),
        )
      : null,
    error ? h(Notice, { kind: "error" }, error) : null,
    h(AttemptHistoryNotice, { conn: app.conn, passwordMode: settings.enabled && settings.protection === "password" }),
    h(
      "div",
      { class: "activity-area", "aria-live": "polite" },
      running
        ? h(ProgressBar, {
            fraction: activity.fraction,
            label: activity.operation === "backup" ? activity.phase : activity.operation === "check" ? "Checking your backup…" : "Restoring…",
          })
        : activity.kind === "failed" && activity.operation === "backup"
          ? h(Notice, { kind: "error" }, `Backup failed. ${activity.message}`)
          : activity.kind === "succeeded" && activity.operation === "backup"
            ? h(Notice, { kind: "success", id: "backup-complete" }, "Backup complete.")
            : settings.enabled && state === undefined
              ? h(Spinner, { label: "Checking your backup…" })
              : !settings.enabled
                ? h("p", { class: "hint" }, "Turn on end-to-end encrypted backup to back up your chats.")
                : null,
    ),
    h(
      Button,
      {
        id: "back-up",
        disabled: running || !settings.enabled,
        onClick: () => startBackup(app),
      },
      running ? "Backing up…" : "Back up",
    ),
    h(
      "nav",
      { class: "rows", "aria-label": "Backup settings" },
      h(Row, {
        href: E2EE,
        label: "End-to-end encrypted backup",
        detail: settings.enabled
          ? `On · ${settings.protection === "key" ? "64-digit key" : settings.protection === "passkey" ? "passkey" : "password"}`
          : "Off",
        icon: "lock",
      }),
    ),
    h(BackupOptions, null),
    h(CheckSection, null),
    h(OtherCopiesNote, null),
  );
}

function lastBackupText(enabled: boolean, time: string | undefined, notUsed: BackupFacts | undefined): string {
  if (enabled) return time ? formatMoment(Date.parse(time)) : "Never";
  if (notUsed) return notUsed.lastBackupAt ? formatMoment(notUsed.lastBackupAt) : "Shown once restored";
  return "Never";
}

/** Another device turned backup off or replaced it: say so, with the way to turn it on again. */
function ElsewhereNotice(p: { change: "turned-off" | "replaced" | undefined }) {
  if (!p.change) return null;
  return h(
    "div",
    { class: "notice warning", id: "changed-elsewhere", role: "status" },
    h(
      "p",
      { class: "tight" },
      p.change === "turned-off"
        ? `${TURNED_OFF_ELSEWHERE} Its backup was deleted, and nothing is backed up from this phone until you turn it on again.`
        : REPLACED_ELSEWHERE,
    ),
    h(Button, { kind: "secondary", id: "turn-on-again", onClick: () => navigate(E2EE) }, "Turn on again"),
  );
}
