/**
 * Restore on a new phone (or from Settings, after "Skip restore"). The app found the
 * account's backup and shows what it knows before unlocking: the last backup's time (the
 * vault's head, password mode) and its size in storage. It asks for the password (showing
 * the vault's attempts left and what happens next: the growing waits, the key destroyed
 * after the lifetime budget; when locked, the form is disabled until the vault allows
 * attempts again) or for the 64-digit key, then restores with a progress bar.
 */
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { RootKey } from "@chatvault/format";
import { type AttemptHistory, DestroyedError, LockedError, WrongPasswordError } from "@chatvault/vault-protocol";
import { type BackupFacts, backupFacts } from "../backup/backup-facts.ts";
import type { Connections } from "../backup/connections.ts";
import { attemptsSentence, describeError } from "../backup/errors.ts";
import { type GuessLimits, limitsOf, lockRulesText } from "../backup/lock-texts.ts";
import type { FoundBackup } from "../backup/repository.ts";
import { type Restored, restoreBackup, unlockWithKey, unlockWithPassword } from "../backup/restore.ts";
import type { RealmsAnswered } from "../backup/realm-vault.ts";
import { useActivity } from "../ui/app-context.ts";
import { Button, Field, HiddenUsername, Notice, ProgressBar, Screen, Spinner, useFocusLater } from "../ui/components.ts";
import { formatBytes, formatMoment, formatWait } from "../ui/format.ts";
import { PasskeyRestoreScreen } from "./restore-passkey.ts";

/** How often a locked form asks the vault whether the wait is over. */
const LOCK_POLL_MS = 15_000;
const SECRET_FIELD = "restore-secret";

type VaultView = { kind: "checking" } | { kind: "open"; attemptsLeft: number } | { kind: "locked"; until: number } | { kind: "destroyed" } | { kind: "gone" };

interface Props {
  account: string;
  conn: Connections;
  found: FoundBackup;
  onRestored: (r: Restored) => void;
  onSkip: () => void;
  /** Opened from Settings: this phone keeps its chats if the user goes back. */
  fromSettings?: boolean;
}

export function RestoreScreen(p: Props) {
  return p.found.config.protection === "passkey" ? h(PasskeyRestoreScreen, p) : h(SecretRestoreScreen, p);
}

function SecretRestoreScreen(p: Props) {
  const password = p.found.config.protection !== "key";
  const activity = useActivity();
  const focusLater = useFocusLater();
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [view, setView] = useState<VaultView>(password ? { kind: "checking" } : { kind: "open", attemptsLeft: Infinity });
  const [limits, setLimits] = useState<GuessLimits>(limitsOf(undefined));
  const [facts, setFacts] = useState<BackupFacts | undefined>(undefined);

  const checkVault = useCallback(async () => {
    try {
      const s = await p.conn.vault.status();
      setLimits(limitsOf(s));
      if (s.state === "destroyed") setView({ kind: "destroyed" });
      else if (s.state === "not_enabled") setView({ kind: "gone" });
      else if (s.lockedUntil !== null || s.attemptsRemaining === 0) setView({ kind: "locked", until: s.lockedUntil ?? Date.now() + 60_000 });
      else setView({ kind: "open", attemptsLeft: s.attemptsRemaining });
    } catch (e) {
      setError(describeError(e));
    }
  }, [p.conn]);

  useEffect(() => void (password && checkVault()), [password, checkVault]);
  useEffect(() => {
    backupFacts(p.conn, p.found).then(setFacts, () => setFacts(undefined));
  }, [p.conn, p.found]);
  useEffect(() => {
    if (view.kind !== "locked") return;
    const timer = setInterval(() => void checkVault(), LOCK_POLL_MS);
    return () => clearInterval(timer);
  }, [view.kind, checkVault]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!secret || busy || view.kind !== "open") return;
    setBusy(true);
    setError("");
    let rootKey: RootKey;
    let attemptHistory: AttemptHistory | undefined;
    let realms: RealmsAnswered | undefined;
    try {
      if (password) ({ rootKey, attemptHistory, realms } = await unlockWithPassword(p.conn, secret));
      else rootKey = unlockWithKey(secret);
    } catch (err) {
      setBusy(false);
      if (err instanceof WrongPasswordError) {
        setSecret("");
        if (err.destroyed) return setView({ kind: "destroyed" });
        if (err.retryAfter) return setView({ kind: "locked", until: err.retryAfter.getTime() });
        setView({ kind: "open", attemptsLeft: err.attemptsRemaining ?? 0 });
        focusLater(SECRET_FIELD);
        return setError(describeError(err));
      }
      if (err instanceof LockedError) return setView({ kind: "locked", until: err.retryAfter.getTime() });
      if (err instanceof DestroyedError) return setView({ kind: "destroyed" });
      focusLater(SECRET_FIELD);
      return setError(describeError(err));
    }
    try {
      const restored = await restoreBackup(p.conn, p.found, rootKey);
      p.onRestored({ ...restored, ...(attemptHistory ? { attemptHistory } : {}), ...(realms ? { realms } : {}) });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
      focusLater(SECRET_FIELD);
    }
  };

  const skipLabel = p.fromSettings ? "Not now" : "Skip restore";
  if (view.kind === "destroyed" || view.kind === "gone") {
    return h(
      Screen,
      { title: "Restore backup" },
      h(
        Notice,
        { kind: "error", id: "restore-impossible" },
        view.kind === "destroyed"
          ? "This backup can't be restored anymore. After too many incorrect passwords, the key that unlocks it was destroyed, as you were warned when you set it up. Nobody can recover it."
          : "This backup can't be restored: its key is no longer in the key vault (end-to-end encrypted backup was turned off).",
      ),
      h(Button, { onClick: p.onSkip }, p.fromSettings ? "Back" : "Continue without restoring"),
    );
  }
  const locked = view.kind === "locked";
  const running = activity.kind === "running" && activity.operation === "restore";
  return h(
    Screen,
    { title: "Restore backup" },
    h(
      "p",
      { class: "lead" },
      "A backup of your chats was found. ",
      password ? "Enter your password to restore it." : "Enter your 64-digit encryption key to restore it.",
    ),
    h(FoundFacts, { facts, password }),
    h(
      "form",
      { onSubmit: submit, class: "stack" },
      password ? h(HiddenUsername, { account: p.account }) : null,
      h(
        "fieldset",
        { disabled: locked || busy || view.kind === "checking", class: "stack plain" },
        h("legend", { class: "visually-hidden" }, password ? "Backup password" : "64-digit key"),
        password
          ? h(Field, {
              id: SECRET_FIELD,
              label: "Password",
              type: "password",
              value: secret,
              onInput: setSecret,
              autoComplete: "current-password",
              invalid: !!error,
            })
          : h(Field, {
              id: SECRET_FIELD,
              label: "64-digit key",
              value: secret,
              onInput: setSecret,
              multiline: true,
              invalid: !!error,
              hint: "16 groups of 4 characters; spaces and line breaks don't matter.",
            }),
        h(Button, { type: "submit", id: "restore", disabled: !secret }, busy ? "Restoring…" : "Restore"),
      ),
      // One status area of fixed height: attempts left, the wait, an error, or the progress.
      h(
        "div",
        { class: "activity-area" },
        running
          ? h(ProgressBar, { fraction: activity.fraction, label: activity.phase })
          : locked
            ? h(
                Notice,
                { kind: "warning", id: "locked" },
                `Too many incorrect attempts. You can try again after ${formatMoment(view.until)} (in ${formatWait(view.until)}).`,
              )
            : error
              ? h(Notice, { kind: "error", id: "restore-error" }, error)
              : view.kind === "open" && password
                ? h("p", { class: "hint", id: "attempts-left" }, attemptsSentence(view.attemptsLeft))
                : view.kind === "checking"
                  ? h(Spinner, { label: "Checking the key vault…" })
                  : null,
      ),
    ),
    password ? h("p", { class: "hint", id: "lock-rules" }, lockRulesText(limits)) : null,
    locked ? h(Button, { kind: "secondary", id: "check-again", onClick: () => void checkVault() }, "Check again") : null,
    h(Button, { kind: "link", disabled: busy, onClick: p.onSkip }, skipLabel),
    p.fromSettings
      ? h("p", { class: "hint" }, "Restoring replaces the chats on this phone with the ones in the backup.")
      : h(
          "p",
          { class: "hint" },
          "If you skip, you start with demo chats. Your backup stays in storage: you can restore it later from Settings, and turning on backup on this phone replaces it.",
        ),
  );
}

/** The last backup's time and size, as WhatsApp shows them before a restore. */
function FoundFacts(p: { facts: BackupFacts | undefined; password: boolean }) {
  const f = p.facts;
  const time = !f ? "…" : f.lastBackupAt ? formatMoment(f.lastBackupAt) : p.password ? "Unknown" : "Shown once restored";
  return h(
    "dl",
    { class: "facts", id: "found-backup" },
    h("div", null, h("dt", null, "Last backup"), h("dd", { id: "found-last-backup" }, time)),
    h("div", null, h("dt", null, "Size"), h("dd", { id: "found-size" }, f ? formatBytes(f.storedBytes) : "…")),
  );
}
