/**
 * The messenger's own sign-in, reduced for the demo: an account name instead of a phone
 * number and its SMS code. The server mints the account token the key vault and the
 * backup storage accept.
 */
import { h } from "preact";
import { useState } from "preact/hooks";
import { describeError } from "../backup/errors.ts";
import { Session } from "../platform/session.ts";
import { Button, Field, Notice, Screen } from "../ui/components.ts";

const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function LoginScreen(p: { onLoggedIn: (s: Session) => void }) {
  const [account, setAccount] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const valid = ACCOUNT.test(account.trim());
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError("");
    try {
      p.onLoggedIn(await Session.start(account.trim()));
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return h(
    Screen,
    { title: "Welcome to chatvault" },
    h(
      "p",
      { class: "lead" },
      "A small messenger that shows end-to-end encrypted chat backups. Sign in with an account name; a real messenger would verify your phone number here.",
    ),
    h(
      "form",
      { onSubmit: submit, class: "stack" },
      h(Field, {
        id: "account",
        label: "Account name",
        value: account,
        onInput: setAccount,
        autoComplete: "username",
        hint: "Letters, digits, '.', '_' or '-'. Use the same name on another browser to restore your backup there.",
      }),
      error ? h(Notice, { kind: "error" }, error) : null,
      h(Button, { type: "submit", disabled: !valid || busy }, busy ? "Signing in…" : "Continue"),
    ),
  );
}
