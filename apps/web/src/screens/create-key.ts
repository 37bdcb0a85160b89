/**
 * "Use 64-digit encryption key instead": the key in 16 groups of 4, a copy button, and a
 * confirmation that it was saved before anything is turned on. The key never leaves the
 * page except into the user's clipboard, if they ask.
 */
import { h } from "preact";
import { useMemo, useState } from "preact/hooks";
import { formatKey, keyGroups } from "@chatvault/format";
import { enableBackup } from "../backup/enable.ts";
import { describeError } from "../backup/errors.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, Screen, Spinner } from "../ui/components.ts";
import { E2EE, navigate } from "../ui/router.ts";
import { enableFlow, keyFlowDone, keyToShow } from "./enable-flow.ts";

export function CreateKeyScreen() {
  const app = useApp();
  // The same key when the user comes back to this screen; a new one only after a reload (said below).
  const { key: rootKey, replacedAfterReload } = useMemo(() => keyToShow(), []);
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(formatKey(rootKey));
      setCopied("Copied. Paste it somewhere safe, like a password manager.");
    } catch {
      setCopied("Couldn't copy; write the key down instead.");
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!saved || busy) return;
    setBusy(true);
    setError("");
    try {
      await enableBackup(app.conn, { protection: "key", rootKey }, { replaceExisting: enableFlow.replaceExisting });
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
    { title: "Your 64-digit key", back: `${E2EE}/password` },
    h("p", { class: "lead" }, "This key protects your end-to-end encrypted backup. Save it somewhere safe: you'll need it to restore your chats."),
    replacedAfterReload
      ? h(
          Notice,
          { kind: "warning", id: "new-key-after-reload" },
          "The page was reloaded, so this is a new key. The key shown before was never used: throw it away and save this one instead.",
        )
      : null,
    h(
      "ol",
      { class: "key-grid", "aria-label": "Your 64-digit encryption key, in 16 groups of 4", id: "key-grid" },
      keyGroups(rootKey).map((g, i) => h("li", { key: i, class: "mono" }, g)),
    ),
    h(
      "div",
      { class: "copy-row" },
      h(Button, { kind: "secondary", onClick: () => void copy() }, "Copy key"),
      h("p", { class: "hint", role: "status" }, copied),
    ),
    h(Notice, { kind: "warning" }, "chatvault can't see or reset this key. If you lose it and your phone, you won't be able to restore your backup."),
    h(
      "form",
      { onSubmit: submit, class: "stack" },
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "key-saved",
          checked: saved,
          disabled: busy,
          onChange: (e: Event) => setSaved((e.currentTarget as HTMLInputElement).checked),
        }),
        " I saved my 64-digit key",
      ),
      error ? h(Notice, { kind: "error" }, error) : null,
      busy ? h(Spinner, { label: "Setting up end-to-end encryption…" }) : null,
      h(Button, { type: "submit", disabled: !saved || busy }, "Create"),
    ),
  );
}
