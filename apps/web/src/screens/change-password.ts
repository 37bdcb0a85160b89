/**
 * Change password: the current one (a wrong one spends a vault attempt, like a restore),
 * then the new one twice. The backup stays as it is: only the key's wrapping changes.
 */
import { h } from "preact";
import { useState } from "preact/hooks";
import { WrongPasswordError } from "@chatvault/vault-protocol";
import { describeError } from "../backup/errors.ts";
import { changePassword } from "../backup/manage.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Field, HiddenUsername, Notice, Screen, Spinner, useFocusLater } from "../ui/components.ts";
import { E2EE } from "../ui/router.ts";
import { usePasswordPair } from "./password-pair.ts";

export function ChangePasswordScreen() {
  const app = useApp();
  const [current, setCurrent] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [currentError, setCurrentError] = useState("");
  const [done, setDone] = useState(false);
  const focusLater = useFocusLater();
  const pair = usePasswordPair(busy || done, "New password");
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pair.ok || !current || busy) return;
    setBusy(true);
    setError("");
    setCurrentError("");
    try {
      await changePassword(app.conn, current, pair.password);
      setDone(true);
    } catch (err) {
      // A wrong current password belongs to its field: said there, cleared, focused again.
      if (err instanceof WrongPasswordError) {
        setCurrent("");
        setCurrentError(describeError(err));
        focusLater("current-password");
      } else {
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return h(
    Screen,
    { title: "Change password", back: E2EE },
    done
      ? h(
          "div",
          { class: "stack" },
          h(Notice, { kind: "success" }, "Password changed. Use the new password to restore your backup from now on."),
          h("a", { class: "button primary", href: `#${E2EE}` }, "OK"),
        )
      : h(
          "form",
          { onSubmit: submit, class: "stack" },
          h(HiddenUsername, { account: app.session.account }),
          h(Field, {
            id: "current-password",
            label: "Current password",
            type: "password",
            value: current,
            onInput: setCurrent,
            autoComplete: "current-password",
            disabled: busy,
            error: currentError,
          }),
          pair.fields,
          h(
            Notice,
            { kind: "warning" },
            "chatvault can't reset your password. If you forget it and lose your phone, you won't be able to restore your backup.",
          ),
          error ? h(Notice, { kind: "error" }, error) : null,
          busy ? h(Spinner, { label: "Changing password…" }) : null,
          h(Button, { type: "submit", disabled: !pair.ok || !current || busy }, "Change password"),
        ),
  );
}
