/**
 * When the phone does backup work on its own, while the app is open: a backup when the
 * chosen period has passed since the last one ("Back up: Daily / Weekly / Monthly"), a
 * restore check at its own interval (default monthly), and which media a backup includes
 * ("Include videos"). Pure rules, so tests pin them without a clock.
 */
import type { BackupSchedule, BackupSettings, CheckInterval, ReminderInterval } from "./settings.ts";

const DAY = 86_400_000;

export const SCHEDULE_PERIOD: Record<BackupSchedule, number | undefined> = { daily: DAY, weekly: 7 * DAY, monthly: 30 * DAY, manual: undefined };
export const CHECK_PERIOD: Record<CheckInterval, number | undefined> = { weekly: 7 * DAY, monthly: 30 * DAY, never: undefined };
export const REMINDER_PERIOD: Record<ReminderInterval, number | undefined> = { weekly: 7 * DAY, "2weeks": 14 * DAY, monthly: 30 * DAY, off: undefined };

export const scheduleOf = (s: BackupSettings): BackupSchedule => s.schedule ?? "daily";
export const checkEveryOf = (s: BackupSettings): CheckInterval => s.checkEvery ?? "monthly";
export const reminderEveryOf = (s: BackupSettings): ReminderInterval => s.reminderEvery ?? "2weeks";

/** True when `period` has passed since `lastIso` (never done: due at once). No period: never due. */
export function isDue(lastIso: string | undefined, period: number | undefined, now: number): boolean {
  if (period === undefined) return false;
  if (!lastIso) return true;
  const last = Date.parse(lastIso);
  return !Number.isFinite(last) || now - last >= period;
}

export function backupDue(s: BackupSettings, now: number): boolean {
  return s.enabled && isDue(s.lastBackup?.time, SCHEDULE_PERIOD[scheduleOf(s)], now);
}

/** A check is due at its interval after the last one — and never before there is a backup to check. */
export function checkDue(s: BackupSettings, now: number): boolean {
  return s.enabled && !!s.lastBackup && isDue(s.lastCheck?.checkedAt ?? s.lastBackup.time, CHECK_PERIOD[checkEveryOf(s)], now);
}

/** Password mode only; counted from when backup was turned on or the reminder last asked. */
export function reminderDue(s: BackupSettings, now: number): boolean {
  const since = s.reminderAskedAt ?? s.lastBackup?.time;
  return s.enabled && s.protection === "password" && since !== undefined && isDue(since, REMINDER_PERIOD[reminderEveryOf(s)], now);
}

const VIDEO_EXTENSIONS = new Set(["mp4", "m4v", "mov", "3gp", "3g2", "webm", "mkv", "avi"]);

/** A video file, by its extension (any case): what "Include videos" off leaves out. */
export function isVideo(path: string): boolean {
  const dot = path.lastIndexOf(".");
  return dot > path.lastIndexOf("/") && VIDEO_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}
