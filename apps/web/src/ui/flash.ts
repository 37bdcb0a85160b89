/**
 * A one-time confirmation for the next screen ("Restored 1,204 messages, …", "Backup is
 * off"): set by the action that finished, shown once by the screen it leads to.
 */
import { useState } from "preact/hooks";

let pending: string | undefined;

export function flash(text: string): void {
  pending = text;
}

/** The pending confirmation, taken when the screen first renders (it shows only once). */
export function useFlash(): string | undefined {
  const [text] = useState(() => {
    const t = pending;
    pending = undefined;
    return t;
  });
  return text;
}
