/** No browser: the rules behind "Back up: Daily…", the automatic check, the reminder's timing and "Include videos". */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StatusResponse } from "@chatvault/vault-protocol";
import { reminderAllowed } from "../src/backup/reminder.ts";
import { backupDue, checkDue, isDue, isVideo, reminderDue } from "../src/backup/schedule.ts";
import type { BackupSettings } from "../src/backup/settings.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-01T12:00:00Z");
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const on = (extra: Partial<BackupSettings> = {}): BackupSettings => ({
  enabled: true,
  protection: "password",
  lastBackup: { time: ago(0.5), sizeBytes: 1, sequence: 1 },
  ...extra,
});

test("isDue: never done is due, a period passed is due, no period is never due", () => {
  assert.equal(isDue(undefined, DAY, NOW), true);
  assert.equal(isDue(ago(0.99), DAY, NOW), false);
  assert.equal(isDue(ago(1), DAY, NOW), true);
  assert.equal(isDue(ago(1000), undefined, NOW), false);
  assert.equal(isDue("not a time", DAY, NOW), true);
});

test("backup schedule: daily by default; weekly, monthly; manual never; off never", () => {
  assert.equal(backupDue(on(), NOW), false);
  assert.equal(backupDue(on({ lastBackup: { time: ago(1.1), sizeBytes: 1, sequence: 1 } }), NOW), true);
  assert.equal(backupDue(on({ schedule: "weekly", lastBackup: { time: ago(6), sizeBytes: 1, sequence: 1 } }), NOW), false);
  assert.equal(backupDue(on({ schedule: "weekly", lastBackup: { time: ago(7), sizeBytes: 1, sequence: 1 } }), NOW), true);
  assert.equal(backupDue(on({ schedule: "monthly", lastBackup: { time: ago(29), sizeBytes: 1, sequence: 1 } }), NOW), false);
  assert.equal(backupDue(on({ schedule: "manual", lastBackup: { time: ago(400), sizeBytes: 1, sequence: 1 } }), NOW), false);
  assert.equal(backupDue({ enabled: false }, NOW), false);
});

test("automatic check: monthly by default from the last check (or backup); never before a backup; 'never' never", () => {
  assert.equal(checkDue(on({ lastBackup: { time: ago(31), sizeBytes: 1, sequence: 1 } }), NOW), true);
  assert.equal(checkDue(on({ lastCheck: { checkedAt: ago(29), ok: true, sequence: 1 } }), NOW), false);
  assert.equal(checkDue(on({ lastCheck: { checkedAt: ago(30), ok: true, sequence: 1 } }), NOW), true);
  assert.equal(checkDue(on({ checkEvery: "weekly", lastCheck: { checkedAt: ago(7), ok: false, message: "x" } }), NOW), true);
  assert.equal(checkDue(on({ checkEvery: "never", lastCheck: { checkedAt: ago(400), ok: true, sequence: 1 } }), NOW), false);
  assert.equal(checkDue({ enabled: true, protection: "key" }, NOW), false, "nothing to check yet");
});

test("reminder: every 2 weeks by default, password mode only, counted from the last ask", () => {
  assert.equal(reminderDue(on({ reminderAskedAt: ago(13) }), NOW), false);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(14) }), NOW), true);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(6), reminderEvery: "weekly" }), NOW), false);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(30), reminderEvery: "monthly" }), NOW), true);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(400), reminderEvery: "off" }), NOW), false);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(400), protection: "key" }), NOW), false);
  assert.equal(reminderDue(on({ reminderAskedAt: ago(400), protection: "passkey" }), NOW), false);
  assert.equal(reminderDue({ enabled: true, protection: "password" }, NOW), false, "no start time: not asked at once");
});

test("reminder is allowed only when a wrong answer cannot lock: enabled, unlocked, more than 1 attempt left", () => {
  const s = (x: Partial<StatusResponse>): StatusResponse => ({
    state: "enabled",
    recordVersion: 1,
    keyStretching: null,
    attemptsRemaining: 5,
    failureBudgetRemaining: 20,
    lockedUntil: null,
    destroyedAt: null,
    recentAttempts: [],
    policy: { maxAttempts: 5, failureBudget: 20 },
    ...x,
  });
  assert.equal(reminderAllowed(s({}), NOW), true);
  assert.equal(reminderAllowed(s({ attemptsRemaining: 2 }), NOW), true);
  assert.equal(reminderAllowed(s({ attemptsRemaining: 1 }), NOW), false);
  assert.equal(reminderAllowed(s({ lockedUntil: NOW + 1000, attemptsRemaining: 0 }), NOW), false);
  assert.equal(reminderAllowed(s({ state: "destroyed" }), NOW), false);
  assert.equal(reminderAllowed(s({ state: "not_enabled" }), NOW), false);
});

test("Include videos: video files by extension, any case; photos, voice notes and folders named like videos are kept", () => {
  for (const p of ["a.mp4", "Video/Sent/b.MP4", "c.mov", "d.m4v", "e.3gp", "f.webm", "g.mkv", "h.avi"]) assert.equal(isVideo(p), true, p);
  for (const p of ["a.jpg", "b.opus", "mp4", "clip.mp4/readme.txt", "Video/x.png", "noext"]) assert.equal(isVideo(p), false, p);
});
