/**
 * The vault's guess limit as the restore screen shows it, in Debian Chromium: 5 wrong
 * passwords → the wait is shown and the form disabled (also after a reload); with the
 * vault's clock moved past the wait (test hook), the form works again and the right
 * password restores. Spending the whole failure budget destroys the key: said plainly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { type Phone, ensureBuilt, filesUnder, newPhone, startStack, backupFor, guess } from "./support.ts";

const PASSWORD = "seven brown otters juggle";
const HOUR = 60 * 60 * 1000;
/** A small budget so that destroying the key takes two rounds of 5, not four. */
const POLICY = { maxAttempts: 5, failureBudget: 10, lockBaseMs: HOUR };

/** Five wrong passwords, watching the count go down; ends locked. */
async function spendFive(phone: Phone, round: number): Promise<void> {
  for (let i = 1; i <= 5; i++) {
    await guess(phone, `wrong guess ${round}.${i}`);
    if (i < 5) await phone.page.getByText(`Incorrect password. ${5 - i} attempt${5 - i === 1 ? "" : "s"} left.`).waitFor();
  }
}

/**
 * The wait is shown and the form disabled. `minutes`: the wait the page should show (the page
 * counts on its own clock, so once the test has moved the vault's clock it shows more).
 */
async function assertLocked(phone: Phone, minutes = "60 minutes"): Promise<void> {
  const { page } = phone;
  await page
    .locator("#locked")
    .getByText(new RegExp(`Too many incorrect attempts\\. You can try again after .* \\(in about ${minutes}\\)\\.`))
    .waitFor();
  assert.equal(await page.getByLabel("Password", { exact: true }).isDisabled(), true, "the password field is disabled while locked");
  assert.equal(await page.getByRole("button", { name: "Restore", exact: true }).isDisabled(), true, "Restore is disabled while locked");
}

test("lockout: 5 wrong passwords → wait shown, form disabled; after the wait it works; the budget spent → destroyed", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t, { policy: POLICY });
  await Promise.all([backupFor(stack, "lena", PASSWORD), backupFor(stack, "gus", PASSWORD)]);
  const browser = await launchChromium();
  t.after(() => browser.close());

  // Lena: 5 wrong → locked, also after reloading the page.
  const a = await newPhone(t, browser, stack);
  await a.login("lena");
  await a.page.getByText("5 attempts left").waitFor();
  // The rules are this vault's (a budget of 10 here), not the defaults.
  await a.page
    .locator("#lock-rules")
    .getByText(/After 5 incorrect passwords in a row .* After 10 incorrect passwords in all, the key is destroyed/)
    .waitFor();
  await spendFive(a, 1);
  await assertLocked(a);
  await a.shot("30-locked-after-5-wrong");
  await a.page.reload();
  await assertLocked(a);

  // The wait passes (on the vault's clock): "Check again" re-opens the form; the right password restores.
  await stack.advanceVaultClock(HOUR + 60_000);
  await a.page.getByRole("button", { name: "Check again" }).click();
  await a.page.getByText("5 attempts left").waitFor();
  assert.equal(await a.page.getByLabel("Password", { exact: true }).isEnabled(), true);
  await a.shot("31-unlocked-after-wait");
  await guess(a, PASSWORD);
  await a.waitForChats();

  // Gus: two rounds of 5 wrong spend the budget of 10: the key is destroyed, and the app says so.
  const b = await newPhone(t, browser, stack);
  await b.login("gus");
  await spendFive(b, 1);
  await assertLocked(b, "\\d+ (minutes|hours)");
  await stack.advanceVaultClock(HOUR + 60_000);
  await b.page.getByRole("button", { name: "Check again" }).click();
  await b.page.getByText("5 attempts left").waitFor();
  for (let i = 1; i <= 4; i++) {
    await guess(b, `wrong guess 2.${i}`);
    await b.page.getByText(`Incorrect password. ${5 - i} attempt${5 - i === 1 ? "" : "s"} left.`).waitFor();
  }
  await guess(b, "wrong guess 2.5");
  await b.page.locator("#restore-impossible").getByText("This backup can't be restored anymore.").waitFor();
  await b.shot("32-destroyed");
  await b.page.getByRole("button", { name: "Continue without restoring" }).click();
  await b.waitForChats();

  // Starting over: a new backup (with a key this time) replaces the unreadable one, after a warning.
  const before = filesUnder(stack.web.backupFolder("gus"));
  await b.openBackupSettings();
  await b.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await b.page.getByText(/already exists for this account\. Turning on end-to-end encrypted backup here replaces it\./).waitFor();
  await b.shot("33-replace-old-backup");
  await b.page.getByRole("button", { name: "Continue" }).click();
  await b.page.getByRole("button", { name: "Use 64-digit encryption key instead" }).click();
  await b.page.getByLabel("I saved my 64-digit key").check();
  await b.page.getByRole("button", { name: "Create", exact: true }).click();
  await b.page.getByRole("button", { name: "Done" }).click();
  await b.page.locator("#backup-complete").waitFor();
  const after = filesUnder(stack.web.backupFolder("gus"));
  assert.deepEqual(
    after.filter((f) => before.includes(f) && !f.endsWith("/config")),
    [],
    "nothing of the old backup is left but the name of its config",
  );

  // Log out: the phone forgets the account and its data.
  await b.page.getByRole("link", { name: "Back", exact: true }).click();
  await b.page.getByRole("link", { name: "Back", exact: true }).click();
  await b.page.getByRole("button", { name: "Log out and erase this phone" }).click();
  await b.page
    .locator("#erase-consequence")
    .getByText(/Your chats are in your end-to-end encrypted backup from/)
    .waitFor();
  await b.page.getByRole("button", { name: "Log out and erase", exact: true }).click();
  await b.page.getByRole("heading", { name: "Welcome to chatvault" }).waitFor();
  for (const p of [a, b]) assert.deepEqual(p.problems, []);
});
