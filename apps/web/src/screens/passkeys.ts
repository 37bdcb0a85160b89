/**
 * The passkeys that open this backup (passkey mode, spec/backup-format.md §13.3): add one
 * (needs the root key, which this phone holds while backup is on) or remove one — never
 * the last. The backup stays readable with every passkey still listed.
 */
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { describeError } from "../backup/errors.ts";
import { type StoredPasskey, addPasskey, listPasskeys, removePasskey } from "../backup/passkey.ts";
import { loadRootKey } from "../backup/settings.ts";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, Spinner } from "../ui/components.ts";

export function PasskeyList() {
  const app = useApp();
  const [list, setList] = useState<StoredPasskey[] | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const reload = useCallback(() => listPasskeys(app.conn.storage).then(setList, (e: unknown) => setError(describeError(e))), [app.conn]);
  useEffect(() => void reload(), [reload]);
  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError("");
    setNote("");
    let done = "";
    try {
      done = await what();
    } catch (e) {
      setError(describeError(e));
    }
    // The list first, then the note: what the note says is already on screen.
    await reload();
    setNote(done);
    setBusy(false);
  };
  const add = () =>
    run(async () => {
      const rootKey = await loadRootKey();
      if (!rootKey || !app.settings.repoId) throw new Error("backup is not on");
      const p = await addPasskey(app.conn.storage, { account: app.session.account, repoId: app.settings.repoId, rootKey });
      return `Passkey ${p.label} added. It opens your backup too.`;
    });
  const remove = (p: StoredPasskey) =>
    run(async () => {
      await removePasskey(app.conn.storage, p.name);
      return `Passkey ${p.label} removed: it no longer opens your backup from this server's storage.`;
    });
  return h(
    "section",
    { class: "stack", "aria-labelledby": "passkeys-title" },
    h("h2", { id: "passkeys-title", class: "section-title" }, "Passkeys"),
    list === undefined
      ? h(Spinner, { label: "Reading your passkeys…" })
      : h(
          "ul",
          { class: "rows plain-list", id: "passkey-list", "aria-label": "Passkeys that open your backup" },
          list.map((p) =>
            h(
              "li",
              { key: p.name, class: "row passkey-row" },
              h("span", { class: "row-text" }, h("span", { class: "row-label" }, `Passkey ${p.label}`)),
              h(
                Button,
                { kind: "secondary", disabled: busy || list.length <= 1, "aria-label": `Remove passkey ${p.label}`, onClick: () => void remove(p) },
                "Remove",
              ),
            ),
          ),
        ),
    list && list.length <= 1
      ? h("p", { class: "hint" }, "Add a second passkey (for example a security key kept somewhere safe) before you can remove this one.")
      : null,
    note ? h(Notice, { kind: "success", id: "passkey-note" }, note) : null,
    error ? h(Notice, { kind: "error", id: "passkey-error" }, error) : null,
    h(Button, { kind: "secondary", id: "add-passkey", disabled: busy || list === undefined, onClick: () => void add() }, "Add a passkey"),
  );
}
