/**
 * Create a password (the article's "create the key" step): twice, with the strength meter
 * and the plain warning that nobody can reset it; or "Use 64-digit encryption key instead".
 */
import { h } from "preact";
import { useState } from "preact/hooks";
import { enableBackup } from "../backup/enable.ts";
import { describeError } from "../backup/errors.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, HiddenUsername, Notice, Screen, Spinner } from "../ui/components.ts";
import { E2EE, navigate } from "../ui/router.ts";
import { enableFlow, keyFlowDone } from "./enable-flow.ts";
import { usePasswordPair } from "./password-pair.ts";

export function CreatePasswordScreen() {
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const pair = usePasswordPair(busy);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pair.ok || busy) return;
    setBusy(true);
    setError("");
    try {
      await enableBackup(app.conn, { protection: "password", password: pair.password }, { replaceExisting: enableFlow.replaceExisting });
      keyFlowDone();
      await app.reloadSettings();
      navigate(`${E2EE}/ready`, { replace: true });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return h(
    Screen,
    { title: "Create password", back: E2EE },
    h(
      "p",
      { class: "lead" },
      "Create a password to protect your end-to-end encrypted backup. You'll need it to restore your chats on a new phone. Or use a passkey, or a 64-digit key, instead.",
    ),
    h(
      "form",
      { onSubmit: submit, class: "stack" },
      h(HiddenUsername, { account: app.session.account }),
      pair.fields,
      h(Notice, { kind: "warning" }, "chatvault can't reset your password. If you forget it and lose your phone, you won't be able to restore your backup."),
      error ? h(Notice, { kind: "error" }, error) : null,
      busy ? h(Spinner, { label: "Setting up end-to-end encryption…" }) : null,
      h(Button, { type: "submit", disabled: !pair.ok || busy }, "Create"),
      h(Button, { kind: "link", disabled: busy, onClick: () => navigate(`${E2EE}/passkey`) }, "Use a passkey instead"),
      h(Button, { kind: "link", disabled: busy, onClick: () => navigate(`${E2EE}/key`) }, "Use 64-digit encryption key instead"),
    ),
  );
}
