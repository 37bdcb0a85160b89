/**
 * Turn off end-to-end encrypted backup: says what happens (the key leaves the vault, the
 * backup is deleted, chats on this phone stay), and asks for the password — or, in key
 * mode, the 64-digit key — before doing it.
 */
import { h } from "preact";
import { useState } from "preact/hooks";
import { WrongKeyError } from "@chatvault/format";
import { WrongPasswordError } from "@chatvault/vault-protocol";
import { describeError } from "../backup/errors.ts";
import { turnOff } from "../backup/manage.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Field, HiddenUsername, Notice, Screen, Spinner, useFocusLater } from "../ui/components.ts";
import { flash } from "../ui/flash.ts";
import { E2EE, navigate } from "../ui/router.ts";

export function TurnOffScreen() {
  const app = useApp();
  if (app.settings.protection === "passkey") return h(TurnOffWithPasskey, null);
  const password = app.settings.protection !== "key";
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [fieldError, setFieldError] = useState("");
  const focusLater = useFocusLater();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!secret || busy) return;
    setBusy(true);
    setError("");
    setFieldError("");
    try {
      await turnOff(app.conn, password ? { password: secret } : { keyText: secret });
      flash(
        password
          ? "End-to-end encrypted backup is off. Your key was deleted from the key vault and your backup from storage. The chats on this phone stay."
          : "End-to-end encrypted backup is off. Your backup was deleted from storage. The chats on this phone stay.",
      );
      await app.reloadSettings();
      navigate("/settings/chats/backup", { replace: true });
    } catch (err) {
      setBusy(false);
      // A wrong password or key belongs to the field: said there, cleared, and focused again.
      if (err instanceof WrongPasswordError || err instanceof WrongKeyError) {
        setSecret("");
        setFieldError(describeError(err));
      } else {
        setError(describeError(err));
      }
      focusLater("turn-off-secret");
    }
  };
  return h(
    Screen,
    { title: "Turn off encrypted backup", back: E2EE },
    h("p", { class: "lead" }, "If you turn off end-to-end encrypted backup:"),
    h(
      "ul",
      { class: "points" },
      password ? h("li", null, "Your encryption key is deleted from the key vault.") : null,
      h("li", null, "Your existing backup is deleted from the backup storage: without its key nobody could ever restore it."),
      h("li", null, "The chats on this phone stay. Nothing is backed up until you turn backup on again."),
    ),
    h(
      "form",
      { onSubmit: submit, class: "stack" },
      password ? h(HiddenUsername, { account: app.session.account }) : null,
      h(
        Field,
        password
          ? {
              id: "turn-off-secret",
              label: "Enter your password to turn off",
              type: "password",
              value: secret,
              onInput: setSecret,
              autoComplete: "current-password",
              disabled: busy,
              error: fieldError,
            }
          : {
              id: "turn-off-secret",
              label: "Enter your 64-digit key to turn off",
              value: secret,
              onInput: setSecret,
              multiline: true,
              disabled: busy,
              error: fieldError,
            },
      ),
      error ? h(Notice, { kind: "error" }, error) : null,
      busy ? h(Spinner, { label: "Turning off…" }) : null,
      h(Button, { type: "submit", kind: "danger", disabled: !secret || busy }, "Turn off"),
    ),
  );
}

/** Passkey mode: the passkey, not a typed secret, proves it is the user (spec §13.3). */
function TurnOffWithPasskey() {
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const go = async () => {
    setBusy(true);
    setError("");
    try {
      await turnOff(app.conn, { passkey: true });
      flash("End-to-end encrypted backup is off. Your backup was deleted from storage, with the keys your passkeys opened. The chats on this phone stay.");
      await app.reloadSettings();
      navigate("/settings/chats/backup", { replace: true });
    } catch (err) {
      setBusy(false);
      setError(describeError(err));
    }
  };
  return h(
    Screen,
    { title: "Turn off encrypted backup", back: E2EE },
    h("p", { class: "lead" }, "If you turn off end-to-end encrypted backup:"),
    h(
      "ul",
      { class: "points" },
      h("li", null, "Your existing backup is deleted from the backup storage, with the keys your passkeys open: nobody could ever restore it."),
      h(
        "li",
        null,
        "The chats on this phone stay. Nothing is backed up until you turn backup on again. The passkeys stay in your password manager; you can delete them there.",
      ),
    ),
    error ? h(Notice, { kind: "error" }, error) : null,
    busy ? h(Spinner, { label: "Waiting for your passkey…" }) : null,
    h(Button, { kind: "danger", id: "turn-off-passkey", disabled: busy, onClick: () => void go() }, "Turn off with your passkey"),
  );
}
