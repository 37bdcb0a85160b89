/**
 * The phone's own backup work while the app is open: a backup when the schedule's period
 * has passed, then a restore check when its interval has passed (backup/schedule.ts).
 * Runs once when the app opens and then every minute; never while something else runs,
 * and not for 15 minutes after an automatic run failed (its failure stays on screen).
 * Each pass is counted on `document.body.dataset.autoPasses`, so a test can wait for a
 * pass to finish instead of sleeping.
 */
import { h } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useApp } from "../ui/app-context.ts";
import { activity } from "./activity.ts";
import { checkBackup } from "./check.ts";
import { backUpNow } from "./run-backup.ts";
import { backupDue, checkDue } from "./schedule.ts";
import { loadSettings } from "./settings.ts";

const EVERY_MS = 60_000;
/** After an automatic backup or check failed (offline, vault down), wait this long before the next try. */
const AFTER_FAILURE_MS = 15 * 60_000;
let failedAt = 0;

export function AutoRun() {
  const app = useApp();
  // The latest app state (chats are replaced by a restore) without restarting the timer.
  const current = useRef(app);
  current.current = app;
  useEffect(() => {
    let live = true;
    let running = false;
    const pass = async () => {
      if (running || !live) return;
      running = true;
      const app = current.current;
      try {
        if (activity().kind === "running" || Date.now() - failedAt < AFTER_FAILURE_MS) return;
        let s = await loadSettings();
        if (backupDue(s, Date.now())) {
          await backUpNow(app.conn, app.chats).catch(() => void (failedAt = Date.now())); // shown through the activity
          await app.reloadSettings();
          s = await loadSettings();
        }
        if (live && checkDue(s, Date.now())) {
          if (!(await checkBackup(app.conn)).ok) failedAt = Date.now();
          await app.reloadSettings();
        }
      } finally {
        running = false;
        document.body.dataset.autoPasses = String(Number(document.body.dataset.autoPasses ?? "0") + 1);
      }
    };
    void pass();
    const timer = setInterval(() => void pass(), EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [app.conn]);
  return h("span", { hidden: true });
}
