/**
 * The Chat backup screen's options, in Debian Chromium: "Back up: Daily / Weekly /
 * Monthly / Only when I tap Back up" (a due backup runs when the app opens; "Only when I
 * tap" never does), "Include videos" (off: a video on the phone is not in the snapshot),
 * "Check backup" and the automatic monthly check with its result (passed; failed on a
 * damaged pack), and the password reminder (right: no attempt used; wrong: told it used
 * 1, with the count left — checked against the vault; "Not now" and "Turn off reminders").
 * Time is moved by editing the phone's settings (the times of the last backup, check and
 * reminder), and each automatic pass is awaited through a counter the page keeps, so
 * nothing here sleeps or races a timer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseKey } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { Repository, memoryHeadStore } from "@chatvault/sdk";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { VaultClient } from "@chatvault/vault-protocol";
import { TEST_ONLY_WEAK_KEY_STRETCHING } from "@chatvault/vault-protocol";
import { type Phone, ensureBuilt, newPhone, startStack } from "./support.ts";

const PASSWORD = "Marmalade-orbit-47-quietly";

/**
 * Set fields of this phone's backup settings in IndexedDB (as time passing would make
 * them): `{"lastBackup.time": iso}` sets a nested field. Plain data crosses into the page,
 * no code (the page's CSP allows no eval).
 */
async function editSettings(phone: Phone, fields: Record<string, string>): Promise<void> {
  await phone.page.evaluate(async (fields) => {
    const db = await new Promise<IDBDatabase>((ok, no) => {
      const r = indexedDB.open("chatvault-messenger", 1);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const tx = db.transaction("kv", "readwrite");
    const store = tx.objectStore("kv");
    const s = await new Promise<Record<string, unknown>>((ok) => {
      const g = store.get("backup-settings");
      g.onsuccess = () => ok(g.result as Record<string, unknown>);
    });
    for (const [path, value] of Object.entries(fields)) {
      const keys = path.split(".");
      let o = s;
      for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
      o[keys[keys.length - 1]!] = value;
    }
    store.put(s, "backup-settings");
    await new Promise((ok) => (tx.oncomplete = ok));
    db.close();
  }, fields);
}

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** Reload and wait until the app's automatic pass (backup if due, then check if due) has finished. */
async function reloadAndWaitForAutoPass(phone: Phone): Promise<void> {
  await phone.page.evaluate(() => history.replaceState(null, "", "/")); // back to the chat list
  await phone.page.reload();
  await phone.page.waitForFunction(() => Number(document.body.dataset.autoPasses ?? "0") >= 1, null, { timeout: 60_000 });
}

/** Wait until the page decided about the reminder ("not-due", "not-allowed", "shown"), and return it. */
async function reminderDecision(phone: Phone): Promise<string> {
  await phone.page.waitForFunction(() => !!document.body.dataset.reminder);
  return phone.page.evaluate(() => document.body.dataset.reminder!);
}

/** Reload on the chat list and return the reminder decision of the fresh page. */
async function reloadForReminder(phone: Phone): Promise<string> {
  await phone.page.evaluate(() => history.replaceState(null, "", "/"));
  await phone.page.reload();
  await phone.waitForChats();
  return reminderDecision(phone);
}

function snapshotCount(folder: string): number {
  try {
    return readdirSync(join(folder, "snapshots")).length;
  } catch {
    return 0;
  }
}

async function enableWithKey(phone: Phone): Promise<string> {
  const { page } = phone;
  await phone.openBackupSettings();
  await page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Use 64-digit encryption key instead" }).click();
  const key = (await page.locator("#key-grid li").allInnerTexts()).join(" ");
  await page.getByLabel("I saved my 64-digit key").check();
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator("#backup-complete").waitFor();
  return key;
}

test("backup options: schedule, include videos, restore check (button and automatic)", { timeout: 240_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const account = "vera";
  const folder = stack.web.backupFolder(account);
  const a = await newPhone(t, browser, stack);
  await a.login(account);
  await a.waitForChats();
  const key = await enableWithKey(a);
  const { page } = a;
  assert.equal(snapshotCount(folder), 1);

  // Defaults: daily, videos included, checked monthly, not checked yet.
  assert.equal(await page.locator("#backup-schedule").inputValue(), "daily");
  assert.equal(await page.locator("#include-videos").isChecked(), true);
  assert.equal(await page.locator("#check-every").inputValue(), "monthly");
  assert.equal(await page.locator("#last-check").innerText(), "Not checked yet.");
  await page.locator("#backup-options-title").scrollIntoViewIfNeeded();
  await a.shot("60-backup-options");

  // Check backup: a full restore into memory, the database checked; the result is shown.
  await page.getByRole("button", { name: "Check backup" }).click();
  await page
    .locator("#last-check")
    .getByText(/^Last verified restorable: Today, \d\d:\d\d, snapshot 1\.$/)
    .waitFor();
  await page.locator("#last-check").scrollIntoViewIfNeeded();
  await a.shot("61-check-passed");

  // Daily and a day has passed: opening the app backs up on its own.
  await editSettings(a, { "lastBackup.time": daysAgo(2) });
  await reloadAndWaitForAutoPass(a);
  assert.equal(snapshotCount(folder), 2, "a due daily backup ran when the app opened");

  // Not yet due: nothing runs.
  await reloadAndWaitForAutoPass(a);
  assert.equal(snapshotCount(folder), 2, "a backup made today is not repeated");

  // "Only when I tap Back up": a month without a backup, and still nothing runs on its own.
  await a.openBackupSettings();
  await page.locator("#backup-schedule").selectOption("manual");
  await page.getByText("Backups run only when you tap Back up.").waitFor();
  await editSettings(a, { "lastBackup.time": daysAgo(40), "lastCheck.checkedAt": daysAgo(0) });
  await reloadAndWaitForAutoPass(a);
  assert.equal(snapshotCount(folder), 2, "manual: no automatic backup");

  // Include videos off: a video on the phone stays out of the next backup; a photo goes in.
  await a.openBackupSettings();
  await page.locator("#include-videos").uncheck();
  await page.locator("#videos-hint").waitFor();
  await a.shot("62-videos-off-manual");
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok) => {
      const r = indexedDB.open("chatvault-messenger", 1);
      r.onsuccess = () => ok(r.result);
    });
    const tx = db.transaction("media", "readwrite");
    const mp4 = new Uint8Array(4096).fill(7);
    tx.objectStore("media").put({ path: "Video/Sent/holiday.MP4", bytes: mp4, mtimeMs: 1_700_000_000_000 });
    tx.objectStore("media").put({ path: "Images/Sent/beach.jpg", bytes: new Uint8Array(2048).fill(9), mtimeMs: 1_700_000_000_000 });
    await new Promise((ok) => (tx.oncomplete = ok));
    db.close();
  });
  await page.getByRole("button", { name: "Back up", exact: true }).click();
  await page.locator("#backup-complete").waitFor();
  assert.equal(snapshotCount(folder), 3);
  const repo = await Repository.open(new FsStorage(folder), parseKey(key));
  const latest = await repo.resolveSnapshot(memoryHeadStore()); // a reader that knows no head
  const paths = latest!.manifest.media.map((m) => m.path);
  assert.ok(paths.includes("Images/Sent/beach.jpg"), "the photo is backed up");
  assert.ok(!paths.some((p) => /\.mp4$/i.test(p)), `no video in the snapshot: ${paths.join(", ")}`);

  // The automatic check: a month after the last one, opening the app runs it and shows it.
  await editSettings(a, { "lastCheck.checkedAt": daysAgo(31) });
  await reloadAndWaitForAutoPass(a);
  await a.openBackupSettings();
  await page
    .locator("#last-check")
    .getByText(/^Last verified restorable: Today, \d\d:\d\d, snapshot 3\.$/)
    .waitFor();

  // A damaged pack: the check fails, says so in plain words, and nothing on the phone changes.
  const packsDir = join(folder, "packs");
  for (const sub of readdirSync(packsDir)) {
    for (const name of readdirSync(join(packsDir, sub))) {
      const p = join(packsDir, sub, name);
      const b = readFileSync(p);
      b[b.length >> 1] = b[b.length >> 1]! ^ 0x20;
      writeFileSync(p, b);
    }
  }
  const chatsBefore = await page.evaluate(() => document.title);
  await page.getByRole("button", { name: "Check backup" }).click();
  await page
    .locator("#last-check")
    .getByText(/^Check failed Today, \d\d:\d\d: The backup is damaged or was tampered with: it can.t be restored as it is\.$/)
    .waitFor();
  await page.locator("#last-check").scrollIntoViewIfNeeded();
  await a.shot("63-check-failed");
  assert.equal(await page.evaluate(() => document.title), chatsBefore);
  await page.getByRole("link", { name: "Back", exact: true }).click();
  await page.getByRole("link", { name: "Back", exact: true }).click();
  await page.getByRole("link", { name: "Back", exact: true }).click();
  await a.waitForChats();
  assert.ok((await page.locator(".chat-row").count()) > 0, "the chats on the phone are untouched");
  assert.deepEqual(a.problems, []);
});

test("password reminder: cost said first; wrong → 1 attempt used, count left; right → none used; Not now; Turn off", { timeout: 240_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const account = "remy";
  const vault = new VaultClient({
    baseUrl: stack.vault.url,
    token: async () => stack.token(account),
    keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
    allowWeakKeyStretching: true,
  });
  const a = await newPhone(t, browser, stack);
  const { page } = a;
  await a.login(account);
  await a.waitForChats();
  await a.openBackupSettings();
  await page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#new-password").fill(PASSWORD);
  await page.locator("#new-password-again").fill(PASSWORD);
  await page
    .locator("#strength")
    .getByText(/Strong|Very strong/)
    .waitFor();
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator("#backup-complete").waitFor();
  // Password mode's check resolves the snapshot against the vault's head, spending no attempt.
  await page.getByRole("button", { name: "Check backup" }).click();
  await page
    .locator("#last-check")
    .getByText(/^Last verified restorable: Today, \d\d:\d\d, snapshot 1\.$/)
    .waitFor();
  assert.equal((await vault.status()).attemptsRemaining, 5);
  // Just set up: no reminder yet (the next one comes in 2 weeks, the default).
  assert.equal(await reloadForReminder(a), "not-due");
  assert.equal(await page.locator("#password-reminder").count(), 0);
  await a.openBackupSettings();
  await page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  assert.equal(await page.locator("#reminder-every").inputValue(), "2weeks");

  // Two weeks later the app asks, saying first what a wrong answer costs.
  await editSettings(a, { reminderAskedAt: daysAgo(15) });
  assert.equal(await reloadForReminder(a), "shown");
  await page.locator("#password-reminder").waitFor();
  assert.match(await page.locator("#reminder-cost").innerText(), /a right password uses no attempt; a wrong one uses 1 of your 5 attempts left/);
  await a.shot("64-password-reminder");
  await page.locator("#reminder-password").fill("Marmalade-orbit-47-quiet");
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page
    .locator("#reminder-error")
    .getByText("That's not your backup password. This check used 1 attempt: 4 attempts left. A right password later resets the count.")
    .waitFor();
  assert.equal((await vault.status()).attemptsRemaining, 4, "the vault counted exactly the one attempt the page reported");
  await a.shot("65-password-reminder-wrong");
  await page.locator("#reminder-password").fill(PASSWORD);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page.locator("#reminder-result").getByText("That's right: you remember your backup password. No attempt was used.").waitFor();
  assert.equal((await vault.status()).attemptsRemaining, 5, "the right answer gave the attempts back");
  await a.shot("66-password-reminder-right");
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator("#password-reminder").waitFor({ state: "detached" });
  assert.equal(await reloadForReminder(a), "not-due", "answered: not asked again until the next interval");
  assert.equal(await page.locator("#password-reminder").count(), 0);

  // Not now: closes it and asks again an interval later; nothing is spent.
  await editSettings(a, { reminderAskedAt: daysAgo(15) });
  assert.equal(await reloadForReminder(a), "shown");
  await page.getByRole("button", { name: "Not now" }).click();
  await page.locator("#password-reminder").waitFor({ state: "detached" });
  assert.equal(await reloadForReminder(a), "not-due", "dismissed");
  assert.equal((await vault.status()).attemptsRemaining, 5, "dismissing spends nothing");

  // Turn off reminders: never again, however long.
  await editSettings(a, { reminderAskedAt: daysAgo(15) });
  assert.equal(await reloadForReminder(a), "shown");
  await page.getByRole("button", { name: "Turn off reminders" }).click();
  await page.locator("#password-reminder").waitFor({ state: "detached" });
  await editSettings(a, { reminderAskedAt: daysAgo(400) });
  assert.equal(await reloadForReminder(a), "not-due", "turned off");
  await a.openBackupSettings();
  await page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  assert.equal(await page.locator("#reminder-every").inputValue(), "off");

  // With 1 attempt left the reminder is not offered at all (it must never lock anyone out).
  await page.locator("#reminder-every").selectOption("2weeks");
  await page.waitForFunction(async () => {
    const db = await new Promise<IDBDatabase>((ok) => {
      const r = indexedDB.open("chatvault-messenger", 1);
      r.onsuccess = () => ok(r.result);
    });
    const v = await new Promise<{ reminderEvery?: string }>((ok) => {
      const g = db.transaction("kv").objectStore("kv").get("backup-settings");
      g.onsuccess = () => ok(g.result as { reminderEvery?: string });
    });
    db.close();
    return v.reminderEvery === "2weeks";
  });
  for (let i = 0; i < 4; i++) await vault.unlock("not it at all, sorry").catch(() => undefined);
  assert.equal((await vault.status()).attemptsRemaining, 1);
  await editSettings(a, { reminderAskedAt: daysAgo(15) });
  assert.equal(await reloadForReminder(a), "not-allowed", "due, but not offered at 1 attempt left");
  assert.equal(await page.locator("#password-reminder").count(), 0);
  assert.deepEqual(a.problems, []);
});
