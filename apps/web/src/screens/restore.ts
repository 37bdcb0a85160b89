/**
 * Restore on a new phone. The app found the account's backup; it asks for the password
 * (showing the vault's attempts left; after 5 wrong ones, the wait — with the form
 * disabled until the vault allows attempts again; a destroyed key, plainly) or for the
 * 64-digit key, then restores with a progress bar.
 */
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { RootKey } from "@chatvault/format";
import { DestroyedError, LockedError, WrongPasswordError } from "@chatvault/vault-protocol";
import type { Connections } from "../backup/connections.ts";
import { attemptsText, describeError } from "../backup/errors.ts";
import type { FoundBackup } from "../backup/repository.ts";
import { restoreBackup, unlockWithKey, unlockWithPassword } from "../backup/restore.ts";
import type { ChatDb } from "../chats/chat-db.ts";
import { useActivity } from "../ui/app-context.ts";
import { Button, Field, HiddenUsername, Notice, ProgressBar, Screen, Spinner } from "../ui/components.ts";
import { formatMoment, formatWait } from "../ui/format.ts";

/** How often a locked form asks the vault whether the wait is over. */
const LOCK_POLL_MS = 15_000;

type VaultView =
  | { kind: "checking" }
  | { kind: "open"; attemptsLeft: number }
  | { kind: "locked"; until: number }
  | { kind: "destroyed" }
  | { kind: "gone" };

interface Props {
  account: string;
  conn: Connections;
  found: FoundBackup;
  onRestored: (chats: ChatDb) => void;
  onSkip: () => void;
}

export function RestoreScreen(p: Props) {
  const password = p.found.config.protection === "password";
  const activity = useActivity();
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [view, setView] = useState<VaultView>(password ? { kind: "checking" } : { kind: "open", attemptsLeft: Infinity });

  const checkVault = useCallback(async () => {
    try {
      const s = await p.conn.vault.status();
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
    try {
      rootKey = password ? await unlockWithPassword(p.conn, secret) : unlockWithKey(secret);
    } catch (err) {
      setBusy(false);
      if (err instanceof WrongPasswordError) {
        setSecret("");
        if (err.destroyed) return setView({ kind: "destroyed" });
        if (err.retryAfter) return setView({ kind: "locked", until: err.retryAfter.getTime() });
        setView({ kind: "open", attemptsLeft: err.attemptsRemaining ?? 0 });
        return setError(describeError(err));
      }
      if (err instanceof LockedError) return setView({ kind: "locked", until: err.retryAfter.getTime() });
      if (err instanceof DestroyedError) return setView({ kind: "destroyed" });
      return setError(describeError(err));
    }
    try {
      p.onRestored(await restoreBackup(p.conn, p.found, rootKey));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const created = formatMoment(Date.parse(p.found.config.created));
  if (view.kind === "destroyed" || view.kind === "gone") {
    return h(Screen, { title: "Restore backup" },
      h(Notice, { kind: "error", id: "restore-impossible" }, view.kind === "destroyed"
        ? "This backup can't be restored anymore. After too many incorrect passwords, the key that unlocks it was destroyed, as you were warned when you set it up. Nobody can recover it."
        : "This backup can't be restored: its key is no longer in the key vault (end-to-end encrypted backup was turned off)."),
      h(Button, { onClick: p.onSkip }, "Continue without restoring"));
  }
  const locked = view.kind === "locked";
  const running = activity.kind === "running" && activity.operation === "restore";
  return h(Screen, { title: "Restore backup" },
    h("p", { class: "lead" }, `A backup of your chats was found (created ${created}). `,
      password ? "Enter your password to restore it." : "Enter your 64-digit encryption key to restore it."),
    h("form", { onSubmit: submit, class: "stack" },
      password ? h(HiddenUsername, { account: p.account }) : null,
      h("fieldset", { disabled: locked || busy || view.kind === "checking", class: "stack plain" },
        h("legend", { class: "visually-hidden" }, password ? "Backup password" : "64-digit key"),
        password
          ? h(Field, { id: "restore-secret", label: "Password", type: "password", value: secret, onInput: setSecret, autoComplete: "current-password" })
          : h(Field, { id: "restore-secret", label: "64-digit key", value: secret, onInput: setSecret, multiline: true, hint: "16 groups of 4 characters; spaces and line breaks don't matter." }),
        h(Button, { type: "submit", id: "restore", disabled: !secret }, busy ? "Restoring…" : "Restore")),
      // One status area of fixed height: attempts left, the wait, an error, or the progress.
      h("div", { class: "activity-area" },
        running ? h(ProgressBar, { fraction: activity.fraction, label: activity.phase })
          : locked ? h(Notice, { kind: "warning", id: "locked" },
            `Too many incorrect attempts. You can try again after ${formatMoment(view.until)} (in ${formatWait(view.until)}).`)
            : error ? h(Notice, { kind: "error" }, error)
              : view.kind === "open" && password ? h("p", { class: "hint", id: "attempts-left" }, `${attemptsText(view.attemptsLeft)}.`)
                : view.kind === "checking" ? h(Spinner, { label: "Checking the key vault…" }) : null)),
    locked ? h(Button, { kind: "secondary", id: "check-again", onClick: () => void checkVault() }, "Check again") : null,
    h(Button, { kind: "link", disabled: busy, onClick: p.onSkip }, "Skip restore"),
    h("p", { class: "hint" }, "If you skip, you start with demo chats. Your backup stays in storage; turning on backup on this phone later replaces it."));
}
