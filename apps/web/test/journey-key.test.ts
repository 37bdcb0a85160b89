/**
 * The journey with a 64-digit key instead of a password, in Debian Chromium, and the
 * browser ↔ CLI interop in both directions on the same repository folders: the CLI
 * restores what the page backed up, the page restores (and then extends) what the CLI
 * backed up. One format, byte for byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { chromiumAvailable, launchChromium, needService, tempDir } from "@chatvault/testkit";
import { type Phone, ensureBuilt, expectNewestMessage, filesUnder, newPhone, runCli, sendMessage, startStack, writeSecret } from "./support.ts";

const KEY_ACCOUNT = "kai";
const CLI_ACCOUNT = "lin";
const MESSAGE = "The spare key is under the blue flowerpot 8812";
const CLI_MESSAGE = "Written on the laptop by the chatvault CLI 5530";
const BROWSER_REPLY = "And this one was typed in the browser 6604";

function countMessage(dbPath: string, text: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM messages WHERE text = ?").get(text) as { n: number }).n;
  } finally {
    db.close();
  }
}

async function restoreWithKey(phone: Phone, keyText: string): Promise<void> {
  await phone.page.getByLabel("64-digit key").fill(keyText);
  await phone.page.getByRole("button", { name: "Restore", exact: true }).click();
}

test("key mode: enable with a 64-digit key → back up → restore on a new phone; browser ↔ CLI both ways", { timeout: 150_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const dir = tempDir(t);
  const cliEnv = { CHATVAULT_CONFIG_DIR: join(dir, "cli-config") };

  // Phone 1: "Use 64-digit encryption key instead": 16 groups of 4, copy, confirm, Create, Done.
  const a = await newPhone(t, browser, stack);
  await a.login(KEY_ACCOUNT);
  await a.waitForChats();
  await sendMessage(a, MESSAGE);
  await a.page.getByRole("link", { name: "Back", exact: true }).click();
  await a.openBackupSettings();
  await a.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await a.page.getByRole("button", { name: "Continue" }).click();
  await a.page.getByRole("button", { name: "Use 64-digit encryption key instead" }).click();
  const groups = await a.page.locator("#key-grid li").allInnerTexts();
  assert.equal(groups.length, 16);
  for (const g of groups) assert.match(g, /^[0-9a-f]{4}$/);
  const key = groups.join(" ");
  await a.page.getByRole("button", { name: "Copy key" }).click();
  await a.page.getByText("Copied.").waitFor();
  assert.equal(await a.page.evaluate(() => navigator.clipboard.readText()), key, "the copy button copies the key");
  assert.equal(await a.page.getByRole("button", { name: "Create", exact: true }).isDisabled(), true, "Create waits for the confirmation");
  await a.page.getByLabel("I saved my 64-digit key").check();
  await a.shot("20-create-key");
  await a.page.getByRole("button", { name: "Create", exact: true }).click();
  await a.page.getByRole("button", { name: "Done" }).click();
  await a.page.locator("#backup-complete").waitFor();
  await a.page.getByRole("link", { name: /End-to-end encrypted backup.*On · 64-digit key/ }).waitFor();
  await a.shot("21-key-backup-complete");

  // Browser → CLI: restore the page's backup with the key.
  const keyFile = writeSecret(join(dir, "kai.key"), key);
  const r1 = await runCli(["restore", "--repo", stack.web.backupFolder(KEY_ACCOUNT), "--to", join(dir, "kai-restored"), "--key-file", keyFile], cliEnv);
  assert.equal(r1.code, 0, `CLI restore failed: ${r1.stderr}`);
  assert.equal(countMessage(join(dir, "kai-restored", "msgstore.db"), MESSAGE), 1, "the CLI restored the browser's message");

  // Phone 2: the key is asked for; a typo and a wrong key are told apart; the right key (typed
  // any which way: upper case, no spaces) restores the same chats.
  const b = await newPhone(t, browser, stack);
  await b.login(KEY_ACCOUNT);
  await b.page.getByRole("heading", { name: "Restore backup" }).waitFor();
  const typo = `${key.slice(0, 4)}-${key.slice(5, 7)}g${key.slice(8)}`; // a dash is fine, a 'g' is not
  await restoreWithKey(b, typo);
  // In plain words: where the bad character is (never the character: it may be part of the key), and what a key is made of.
  await b.page.getByText("The character at position 8 can't be part of the key: a 64-digit key has only the digits 0–9 and the letters a–f.").waitFor();
  await b.shot("22-restore-key-typo");
  await restoreWithKey(b, "0123 4567 89ab cdef ".repeat(4));
  await b.page.getByText("This key doesn't open this backup.").waitFor();
  await restoreWithKey(b, key.toUpperCase().replaceAll(" ", ""));
  await expectNewestMessage(b, MESSAGE);
  await b.shot("23-restored-with-key");

  // Turn off in key mode: the key is asked for, the backup deleted.
  await b.openBackupSettings();
  await b.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await b.page.getByRole("link", { name: /Turn off/ }).click();
  await b.page.getByLabel("Enter your 64-digit key to turn off").fill("0123 4567 89ab cdef ".repeat(4));
  await b.page.getByRole("button", { name: "Turn off" }).click();
  await b.page.getByText("This key doesn't open this backup.").waitFor();
  await b.page.getByLabel("Enter your 64-digit key to turn off").fill(key);
  await b.shot("24-turn-off-key");
  await b.page.getByRole("button", { name: "Turn off" }).click();
  await b.page.getByRole("link", { name: /End-to-end encrypted backup.*Off/ }).waitFor();
  assert.deepEqual(filesUnder(stack.web.backupFolder(KEY_ACCOUNT)), []);

  // CLI → browser: the CLI makes a chat history, a backup of it in the account's folder...
  const chats = join(dir, "laptop-chats");
  const demo = await runCli(["demo-data", "--out", chats, "--messages", "400", "--media-mib", "0.3", "--seed", "7"], cliEnv);
  assert.equal(demo.code, 0, demo.stderr);
  const db = new Database(join(chats, "msgstore.db"));
  const chat = db.prepare("SELECT id FROM chats ORDER BY id LIMIT 1").get() as { id: number };
  const id = db
    .prepare("INSERT INTO messages (chat_id, from_me, sender_jid, timestamp, text, status) VALUES (?, 1, NULL, ?, ?, 1)")
    .run(chat.id, Date.now(), CLI_MESSAGE).lastInsertRowid;
  db.prepare("UPDATE chats SET last_message_id = ? WHERE id = ?").run(id, chat.id);
  db.close();
  const repo = stack.web.backupFolder(CLI_ACCOUNT);
  const cliKey = join(dir, "lin.key");
  const init = await runCli(["init", "--repo", repo, "--new-key-file", cliKey], cliEnv);
  assert.equal(init.code, 0, init.stderr);
  const backup = await runCli(["backup", "--repo", repo, "--db", join(chats, "msgstore.db"), "--media", join(chats, "media"), "--key-file", cliKey], cliEnv);
  assert.equal(backup.code, 0, backup.stderr);

  // ... which a new phone restores with that key, shows, and backs up again in the same repository.
  const c = await newPhone(t, browser, stack);
  await c.login(CLI_ACCOUNT);
  await c.page.getByRole("heading", { name: "Restore backup" }).waitFor();
  await restoreWithKey(c, readFileSync(cliKey, "utf8"));
  await expectNewestMessage(c, CLI_MESSAGE);
  await c.shot("25-cli-backup-restored-in-browser");
  await sendMessage(c, BROWSER_REPLY);
  await c.page.getByRole("link", { name: "Back", exact: true }).click();
  await c.openBackupSettings();
  await c.page.getByRole("button", { name: "Back up" }).click();
  await c.page.locator("#backup-complete").waitFor();

  // And the CLI restores the browser's snapshot of its own backup: both messages are there.
  const r2 = await runCli(["restore", "--repo", repo, "--to", join(dir, "lin-restored"), "--key-file", cliKey], cliEnv);
  assert.equal(r2.code, 0, r2.stderr);
  const restored = join(dir, "lin-restored", "msgstore.db");
  assert.equal(countMessage(restored, CLI_MESSAGE), 1);
  assert.equal(countMessage(restored, BROWSER_REPLY), 1);
  for (const p of [a, b, c]) assert.deepEqual(p.problems, []);
});
