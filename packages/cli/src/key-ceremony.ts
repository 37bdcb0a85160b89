/**
 * Showing a new 64-digit key once, and making the user prove they saved it: the key is
 * shown as 16 groups of 4, then cleared from the screen, then the user types back the
 * last group. Clearing matters: with the key still on screen, typing the group back would
 * prove nothing. Everything goes to stderr (the terminal), never to stdout or --json.
 */
import { askLine } from "./prompts.ts";

/** ESC[2J clears the screen, ESC[3J the scrollback (where supported), ESC[H homes the cursor. */
const CLEAR = "\x1b[2J\x1b[3J\x1b[H";

export function showKey(groups: string[], warning: string): void {
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 4) rows.push("    " + groups.slice(i, i + 4).join("  "));
  process.stderr.write(`\nYour 64-digit encryption key:\n\n${rows.join("\n")}\n\n${warning}\nIt is shown only this once.\n\n`);
}

export async function confirmKeySaved(groups: string[], tries = 3): Promise<boolean> {
  await askLine("Press Enter once you have written the key down or saved it");
  process.stderr.write(CLEAR);
  const last = groups[groups.length - 1]!;
  for (let i = 0; i < tries; i++) {
    const typed = (await askLine("Type the last group (4 digits) of your key to confirm you saved it:")).trim().toLowerCase();
    if (typed === last) {
      process.stderr.write("Confirmed.\n");
      return true;
    }
    process.stderr.write("That is not the last group of your key. Check what you saved and try again.\n");
  }
  return false;
}
