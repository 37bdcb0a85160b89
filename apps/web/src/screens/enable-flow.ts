/**
 * State carried across the "turn on" screens (explanation → password or key → ready):
 * whether the user agreed to replace a backup that already exists for the account, and
 * the 64-digit key being shown — kept while the user goes back and forth, so the key they
 * wrote down is the one that gets used. A reload loses it (it never leaves memory); the
 * page notes that a key was shown (no key, just the fact) to say the new one differs.
 */
import { type RootKey, generateRootKey } from "@chatvault/format";

export const enableFlow: { replaceExisting: boolean; pendingKey: RootKey | undefined } = { replaceExisting: false, pendingKey: undefined };

const SHOWN = "chatvault-key-shown";

/** The key to show, and whether an earlier one was lost by a reload. */
export function keyToShow(): { key: RootKey; replacedAfterReload: boolean } {
  if (enableFlow.pendingKey) return { key: enableFlow.pendingKey, replacedAfterReload: false };
  const replacedAfterReload = sessionStorage.getItem(SHOWN) === "1";
  enableFlow.pendingKey = generateRootKey();
  sessionStorage.setItem(SHOWN, "1");
  return { key: enableFlow.pendingKey, replacedAfterReload };
}

/** The key is in use (or the flow was left for good): forget it here. */
export function keyFlowDone(): void {
  enableFlow.pendingKey = undefined;
  sessionStorage.removeItem(SHOWN);
}
