/**
 * Restore a passkey-protected backup on a new phone: the same (synced) passkey unlocks the
 * root key (spec/backup-format.md §13.3) — no attempts to count, nothing to type — then
 * the backup is downloaded and authenticated as in the other modes.
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type BackupFacts, backupFacts } from "../backup/backup-facts.ts";
import type { Connections } from "../backup/connections.ts";
import { describeError } from "../backup/errors.ts";
import { unlockWithPasskey } from "../backup/passkey.ts";
import type { FoundBackup } from "../backup/repository.ts";
import { type Restored, restoreBackup } from "../backup/restore.ts";
import { useActivity } from "../ui/app-context.ts";
import { Button, Notice, ProgressBar, Screen, Spinner } from "../ui/components.ts";
import { formatBytes } from "../ui/format.ts";

export function PasskeyRestoreScreen(p: {
  conn: Connections;
  found: FoundBackup;
  onRestored: (r: Restored) => void;
  onSkip: () => void;
  fromSettings?: boolean;
}) {
  const activity = useActivity();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [facts, setFacts] = useState<BackupFacts | undefined>(undefined);
  useEffect(() => void backupFacts(p.conn, p.found).then(setFacts, () => undefined), [p.conn, p.found]);
  const go = async () => {
    setBusy(true);
    setError("");
    try {
      const rootKey = await unlockWithPasskey(p.conn.storage, p.found.config.repoId);
      p.onRestored(await restoreBackup(p.conn, p.found, rootKey));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  const running = activity.kind === "running" && activity.operation === "restore";
  return h(
    Screen,
    { title: "Restore backup" },
    h(
      "p",
      { class: "lead" },
      "A backup of your chats was found. It is protected by a passkey: use the same passkey — synced by your password manager, or your security key — to restore it.",
    ),
    h(
      "dl",
      { class: "facts", id: "found-backup" },
      h("div", null, h("dt", null, "Last backup"), h("dd", { id: "found-last-backup" }, "Shown once restored")),
      h("div", null, h("dt", null, "Size"), h("dd", { id: "found-size" }, facts ? formatBytes(facts.storedBytes) : "…")),
    ),
    h(
      "div",
      { class: "activity-area" },
      running
        ? h(ProgressBar, { fraction: activity.fraction, label: activity.phase })
        : error
          ? h(Notice, { kind: "error", id: "restore-error" }, error)
          : busy
            ? h(Spinner, { label: "Waiting for your passkey…" })
            : null,
    ),
    h(Button, { id: "restore-passkey", disabled: busy, onClick: () => void go() }, busy ? "Restoring…" : "Restore with passkey"),
    h(Button, { kind: "link", disabled: busy, onClick: p.onSkip }, p.fromSettings ? "Not now" : "Skip restore"),
  );
}
