/**
 * "3 failed attempts since the password was last entered correctly — on …": the key
 * vault's attempt history (spec/vault-protocol.md §5.7) on the Chat backup screen, so the
 * owner sees that someone has been guessing. Password mode only (a 64-digit key has no
 * vault). Asking spends no attempt. The counting rule is the vault protocol's; this only
 * formats it.
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { attemptHistoryText } from "../backup/attempt-texts.ts";
import type { Connections } from "../backup/connections.ts";
import { describeError } from "../backup/errors.ts";
import { formatMoment } from "../ui/format.ts";

type Shown = { kind: "history"; text: string; failed: number } | { kind: "unknown"; message: string };

export function AttemptHistoryNotice(p: { conn: Connections; passwordMode: boolean }) {
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  useEffect(() => {
    if (!p.passwordMode) return setShown(undefined);
    let live = true;
    p.conn.vault.status().then(
      // A vault older than revision 3 reports no history: then there is nothing to show.
      (s) =>
        live &&
        setShown(
          s.state === "enabled" && s.attemptHistory ? { kind: "history", ...attemptHistoryText(s.attemptHistory, (ms) => formatMoment(ms)) } : undefined,
        ),
      (e: unknown) => live && setShown({ kind: "unknown", message: describeError(e) }),
    );
    return () => void (live = false);
  }, [p.conn, p.passwordMode]);
  if (!shown) return null;
  if (shown.kind === "unknown")
    return h("p", { class: "hint", id: "attempt-history" }, `Password attempts: can't check the key vault right now. ${shown.message}`);
  return h(
    "div",
    { class: `notice ${shown.failed > 0 ? "warning" : "info"}`, id: "attempt-history", role: "status" },
    h("p", { class: "tight" }, shown.text),
    shown.failed > 0
      ? h(
          "p",
          { class: "tight hint" },
          "If that wasn't you, someone may be trying to guess your backup password. Each try counts towards the vault's limit; a long password keeps them out.",
        )
      : null,
  );
}
