/**
 * "Use a passkey": protect the backup with a passkey instead of a password or the 64-digit
 * key (spec/backup-format.md §13). The passkey's password manager or security key keeps
 * the secret that unlocks the backup; a passkey synced to the user's other devices
 * restores it there. Without PRF support the user is told so and offered the others.
 */
import { h } from "preact";
import { useState } from "preact/hooks";
import { enableBackup } from "../backup/enable.ts";
import { describeError } from "../backup/errors.ts";
import { PasskeyUnsupportedError } from "../backup/passkey.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, Screen, Spinner } from "../ui/components.ts";
import { Icon } from "../ui/icons.ts";
import { E2EE, navigate } from "../ui/router.ts";
import { enableFlow, keyFlowDone } from "./enable-flow.ts";

export function CreatePasskeyScreen() {
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; unsupported: boolean } | undefined>(undefined);
  const create = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await enableBackup(app.conn, { protection: "passkey", account: app.session.account }, { replaceExisting: enableFlow.replaceExisting });
      keyFlowDone();
      await app.reloadSettings();
      navigate(`${E2EE}/ready`, { replace: true });
    } catch (err) {
      setError({ text: describeError(err), unsupported: err instanceof PasskeyUnsupportedError });
      setBusy(false);
    }
  };
  return h(
    Screen,
    { title: "Use a passkey", back: `${E2EE}/password` },
    h("div", { class: "hero" }, h(Icon, { name: "key", size: 64 })),
    h(
      "p",
      { class: "lead" },
      "Protect your backup with a passkey instead of a password. Your phone's password manager or your security key keeps it, unlocked with your fingerprint, face or screen lock.",
    ),
    h(
      "ul",
      { class: "points" },
      h("li", null, "To restore on a new phone, use the same passkey — synced by your password manager, or your security key."),
      h(
        "li",
        null,
        "Nothing to remember and nothing anyone can guess: the secret never leaves the passkey, and the backup storage only keeps a key that the passkey alone can open.",
      ),
      h("li", null, "You can add a second passkey later, e.g. a security key kept somewhere safe."),
    ),
    h(Notice, { kind: "warning" }, "If you lose every passkey of this backup and your phone, nobody can restore your backup for you."),
    error ? h(Notice, { kind: "error", id: "passkey-error" }, error.text) : null,
    busy ? h(Spinner, { label: "Waiting for your passkey…" }) : null,
    h(Button, { id: "create-passkey", disabled: busy, onClick: () => void create() }, "Create passkey"),
    h(
      Button,
      { kind: "link", disabled: busy, onClick: () => navigate(`${E2EE}/password`) },
      error?.unsupported ? "Use a password instead" : "Create a password instead",
    ),
    h(Button, { kind: "link", disabled: busy, onClick: () => navigate(`${E2EE}/key`) }, "Use 64-digit encryption key instead"),
  );
}
