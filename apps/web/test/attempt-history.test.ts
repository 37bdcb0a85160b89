/**
 * The key vault's attempt history (spec/vault-protocol.md §5.7) in Debian Chromium: wrong
 * passwords on the restore screen, then the right one — the "Restored …" message says how
 * many attempts failed before; later wrong guesses from another phone show on the Chat
 * backup screen ("2 failed attempts since the password was last entered correctly — on …").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { VaultClient } from "@chatvault/vault-protocol";
import { type Phone, ensureBuilt, newPhone, startStack, backupFor, guess } from "./support.ts";

const PASSWORD = "seven brown otters juggle";
/** Past a login's deadline (60 s): a wrong password the page did not finish is then `abandoned`. */
const PAST_LOGIN_TTL = 61_000;

async function wrongGuesses(phone: Phone, n: number, left: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await guess(phone, `wrong guess ${i}`);
    const l = left - i;
    await phone.page.getByText(`Incorrect password. ${l} attempt${l === 1 ? "" : "s"} left.`).waitFor();
  }
}

test("attempt history: after a restore and on the Chat backup screen", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t);
  await backupFor(stack, "ines", PASSWORD);
  const browser = await launchChromium();
  t.after(() => browser.close());

  // Ines mistypes three times, then restores: the message says so (nothing succeeded before).
  const a = await newPhone(t, browser, stack);
  await a.login("ines");
  await a.page.getByText("5 attempts left").waitFor();
  await wrongGuesses(a, 3, 5);
  await stack.advanceVaultClock(PAST_LOGIN_TTL);
  await guess(a, PASSWORD);
  await a.waitForChats();
  await a.page
    .locator("#flash")
    .getByText(
      /^Restored [\d,]+ messages, \d+ media files?\. 3 failed attempts in the last 90 days — on Today, \d\d:\d\d; Today, \d\d:\d\d and Today, \d\d:\d\d\.$/,
    )
    .waitFor();

  // The Chat backup screen: nothing since the restore.
  await a.openBackupSettings();
  await a.page
    .locator("#attempt-history")
    .getByText(/^No failed attempts since the password was last entered correctly \(Today, \d\d:\d\d\)\.$/)
    .waitFor();

  // Someone else, on another phone, tries two passwords for Ines's account.
  const thief = await newPhone(t, browser, stack);
  await thief.login("ines");
  await thief.page.getByText("5 attempts left").waitFor();
  await wrongGuesses(thief, 2, 5);
  await stack.advanceVaultClock(PAST_LOGIN_TTL);

  // Ines opens Chat backup again: the two failed attempts, with their times, as a warning.
  await a.page.getByRole("link", { name: "Back", exact: true }).click();
  await a.page.getByRole("link", { name: /^Chat backup/ }).click();
  const notice = a.page.locator("#attempt-history.notice.warning");
  await notice
    .getByText(/^2 failed attempts since the password was last entered correctly \(Today, \d\d:\d\d\) — on Today, \d\d:\d\d and Today, \d\d:\d\d\.$/)
    .waitFor();
  await notice.getByText(/If that wasn't you, someone may be trying to guess your backup password/).waitFor();
  await a.shot("60-backup-attempt-history");
  const status = await new VaultClient({ baseUrl: stack.vault.url, token: () => stack.token("ines") }).status();
  assert.deepEqual(
    status.attemptHistory?.events.map((e) => e.outcome),
    ["abandoned", "abandoned", "success", "abandoned", "abandoned", "abandoned"],
    "what the vault reported",
  );
  for (const p of [a, thief]) assert.deepEqual(p.problems, []);
});
