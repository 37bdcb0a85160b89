/**
 * The article's journey in password mode, in Debian Chromium: turn on end-to-end encrypted
 * backup with a password, back up, restore on a new phone (a fresh browser profile), the
 * same chats; the CLI restores the browser's backup; change the password; turn it off.
 * After the full run, neither the server's storage and request log nor the vault's logs and
 * database hold the message text, the passwords or the key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { chromiumAvailable, launchChromium, needService, tempDir } from "@chatvault/testkit";
import { APP_DIR } from "../scripts/build-app.ts";
import {
  type Phone,
  assertNoSecrets,
  chatListOf,
  ensureBuilt,
  expectNewestMessage,
  fileHaystacks,
  filesUnder,
  newPhone,
  runCli,
  sendMessage,
  startStack,
  topOf,
  writeSecret,
} from "./support.ts";

const ACCOUNT = "alice";
const MESSAGE = "Meet me at the lighthouse at seven, bring the zebra map 4471";
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet kettle orbit lantern";

/** The root key this phone keeps (IndexedDB), to search the server side for it. */
async function rootKeyOf(phone: Phone): Promise<Uint8Array> {
  const bytes = await phone.page.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const r = indexedDB.open("chatvault-messenger");
        r.onerror = () => reject(r.error);
        r.onsuccess = () => {
          const g = r.result.transaction("kv").objectStore("kv").get("backup-root-key");
          g.onsuccess = () => resolve(Array.from(g.result as Uint8Array));
          g.onerror = () => reject(g.error);
        };
      }),
  );
  assert.equal(bytes.length, 32, "the phone keeps a 32-byte root key");
  return new Uint8Array(bytes);
}

async function restoreWithPassword(phone: Phone, password: string): Promise<void> {
  await phone.page.getByLabel("Password", { exact: true }).fill(password);
  await phone.page.getByRole("button", { name: "Restore", exact: true }).click();
}

test(
  "password mode: enable → back up → restore on a new phone → same chats; CLI restores it; change password; turn off; no secret on the server",
  { timeout: 150_000 },
  async (t) => {
    if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
    await ensureBuilt();
    const stack = await startStack(t);
    const browser = await launchChromium();
    t.after(() => browser.close());

    // Phone 1: the messenger, a new message, then Settings → Chats → Chat backup.
    const a = await newPhone(t, browser, stack);
    await a.page.getByRole("heading", { name: "Welcome to chatvault" }).waitFor();
    await a.shot("01-login");
    await a.login(ACCOUNT);
    await a.waitForChats();
    await a.shot("02-chats");
    // The longest demo message shown in the list ("You: " is the list's, not the message's).
    const demoText = (await a.page.locator(".chat-preview").allInnerTexts())
      .map((x) => x.replace(/^You: /, ""))
      .reduce((x, y) => (y.length > x.length ? y : x), "");
    await sendMessage(a, MESSAGE);
    await a.shot("03-conversation");
    await a.page.getByRole("link", { name: "Back", exact: true }).click();
    const chatsBefore = await chatListOf(a);
    await a.openBackupSettings();
    assert.equal(await a.page.locator("#last-backup").innerText(), "Never");
    await a.shot("04-chat-backup-off");

    // End-to-end encrypted backup → explanation → Continue → Create password → Create → Done.
    await a.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
    await a.page.getByRole("button", { name: "Continue" }).waitFor();
    await a.shot("05-e2ee-explanation");
    await a.page.getByRole("button", { name: "Continue" }).click();
    await a.page.getByRole("heading", { name: "Create password" }).waitFor();
    // Keyboard only from here: each new screen focuses its heading; Tab walks the form; Enter submits.
    const focused = () => a.page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    await a.page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 2000 }); // a new screen focuses its heading
    await a.page.keyboard.press("Tab");
    assert.equal(await focused(), "new-password");
    await a.page.keyboard.type("password1");
    await a.page.locator("#strength").getByText("Very weak").waitFor();
    assert.equal(await a.page.getByRole("button", { name: "Create", exact: true }).isDisabled(), true, "a guessable password is refused");
    await a.page.keyboard.press("Control+A");
    await a.page.keyboard.type(PASSWORD);
    await a.page.keyboard.press("Tab");
    assert.equal(await focused(), "new-password-again");
    await a.page.keyboard.type(PASSWORD);
    await a.page
      .locator("#strength")
      .getByText(/Strong|Very strong/)
      .waitFor();
    await a.page.getByText("can't reset your password").waitFor();
    await a.shot("06-create-password");
    await a.page.keyboard.press("Enter");
    await a.page.getByRole("button", { name: "Done" }).waitFor();
    await a.shot("07-encryption-ready");

    // Done → the backup runs with a progress bar (uploads slowed so a person can see it) that moves nothing.
    await a.page.route("**/api/storage/packs/**", async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    await a.page.keyboard.press("Tab");
    assert.equal(await focused(), "done");
    await a.page.keyboard.press("Enter");
    await a.page.getByText("Uploading…").waitFor();
    const buttonTopDuring = await topOf(a.page, "#back-up");
    await a.shot("08-backup-progress");
    await a.page.locator("#backup-complete").waitFor();
    assert.equal(await topOf(a.page, "#back-up"), buttonTopDuring, "no layout jump when the progress bar goes away");
    assert.notEqual(await a.page.locator("#last-backup").innerText(), "Never");
    assert.match(await a.page.locator("#backup-size").innerText(), /\d (kB|MB)$/);
    await a.shot("09-backup-complete");
    await a.page.unroute("**/api/storage/packs/**");

    // Browser → CLI: the CLI restores the page's backup from the same folder, with the password.
    const cliDir = tempDir(t);
    const cli = await runCli(
      [
        "restore",
        "--repo",
        stack.web.backupFolder(ACCOUNT),
        "--to",
        join(cliDir, "restored"),
        "--vault",
        stack.vault.url,
        "--password-file",
        writeSecret(join(cliDir, "pw"), PASSWORD),
        "--token-file",
        writeSecret(join(cliDir, "token"), await stack.token(ACCOUNT)),
      ],
      { CHATVAULT_CONFIG_DIR: join(cliDir, "config"), CHATVAULT_INSECURE_TEST_KSF: "1" },
    );
    assert.equal(cli.code, 0, `CLI restore failed: ${cli.stderr}\nvault errors: ${stack.vaultLogs.filter((l) => /"level":(40|50)/.test(l)).join("\n")}`);
    const restored = new Database(join(cliDir, "restored", "msgstore.db"), { readonly: true });
    assert.equal(
      (restored.prepare("SELECT count(*) AS n FROM messages WHERE text = ?").get(MESSAGE) as { n: number }).n,
      1,
      "the CLI restored the browser's message",
    );
    restored.close();

    // Phone 2, a new profile: the backup is found; one wrong password; then the right one.
    const b = await newPhone(t, browser, stack);
    await b.login(ACCOUNT);
    await b.page.getByRole("heading", { name: "Restore backup" }).waitFor();
    await b.page.getByText("5 attempts left").waitFor();
    await b.shot("10-restore-found");
    await restoreWithPassword(b, "not my password at all");
    await b.page.getByText("Incorrect password. 4 attempts left.").waitFor();
    await b.shot("11-restore-wrong-password");
    await b.page.route("**/api/storage/packs/**", async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    await restoreWithPassword(b, PASSWORD);
    await b.page.getByText("Downloading messages and media…").waitFor();
    await b.shot("12-restore-progress");
    await expectNewestMessage(b, MESSAGE);
    await b.page
      .locator("#flash")
      .getByText(/^Restored [\d,]+ messages, \d+ media files\.$/)
      .waitFor();
    assert.deepEqual(await chatListOf(b), chatsBefore, "the new phone shows the same chats");
    await b.page.unroute("**/api/storage/packs/**");
    await b.shot("13-restored-chats");

    // Change password on phone 2 (needs the current one); the backup stays readable.
    await b.openBackupSettings();
    await b.page.getByRole("link", { name: /End-to-end encrypted backup.*On · password/ }).click();
    await b.shot("14-e2ee-on");
    await b.page.getByRole("link", { name: "Change password" }).click();
    await b.page.getByLabel("Current password").fill(PASSWORD);
    await b.page.getByLabel("New password").fill(NEW_PASSWORD);
    await b.page.getByLabel("Confirm password").fill(NEW_PASSWORD);
    await b.page
      .locator("#strength")
      .getByText(/Strong|Very strong/)
      .waitFor();
    await b.shot("15-change-password");
    await b.page.getByRole("button", { name: "Change password" }).click();
    await b.page.getByText("Password changed.").waitFor();
    await b.shot("16-password-changed");
    await b.page.getByRole("link", { name: "OK" }).click();
    await b.page.getByRole("link", { name: "Back", exact: true }).click();
    await b.page.getByRole("button", { name: "Back up" }).click();
    await b.page.locator("#backup-complete").waitFor();

    // Phone 3: the old password no longer opens it, the new one does.
    const c = await newPhone(t, browser, stack);
    await c.login(ACCOUNT);
    await c.page.getByText("5 attempts left").waitFor();
    await restoreWithPassword(c, PASSWORD);
    await c.page.getByText("Incorrect password. 4 attempts left.").waitFor();
    await restoreWithPassword(c, NEW_PASSWORD);
    await expectNewestMessage(c, MESSAGE);
    const rootKey = await rootKeyOf(c);
    const storageFiles = fileHaystacks(filesUnder(stack.web.backupFolder(ACCOUNT)));
    assert.ok(storageFiles.length >= 4, "config, pack, index and snapshots are stored");

    // Turn off from phone 3: says what happens, needs the password, deletes key and backup.
    await c.openBackupSettings();
    await c.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
    await c.page.getByRole("link", { name: /Turn off/ }).click();
    await c.page.getByText("Your encryption key is deleted from the key vault.").waitFor();
    await c.page.getByLabel("Enter your password to turn off").fill(NEW_PASSWORD);
    await c.shot("17-turn-off");
    await c.page.getByRole("button", { name: "Turn off" }).click();
    await c.page.getByRole("link", { name: /End-to-end encrypted backup.*Off/ }).waitFor();
    await c.page
      .locator("#flash")
      .getByText("End-to-end encrypted backup is off. Your key was deleted from the key vault and your backup from storage. The chats on this phone stay.")
      .waitFor();
    await c.shot("18-backup-turned-off");
    assert.deepEqual(filesUnder(stack.web.backupFolder(ACCOUNT)), [], "the backup is deleted from storage");
    const status = await fetch(`${stack.vault.url}/v1/status`, { headers: { authorization: `Bearer ${await stack.token(ACCOUNT)}` } });
    assert.equal(((await status.json()) as { state: string }).state, "not_enabled", "the key is gone from the vault");
    // The chats on this phone stay.
    for (const heading of ["Chats", "Settings", "Chats"]) {
      await c.page.getByRole("link", { name: "Back", exact: true }).click();
      await c.page.getByRole("heading", { name: heading, exact: true }).waitFor();
    }
    await expectNewestMessage(c, MESSAGE);

    // Phone 4: nothing to restore any more; it starts with the demo chats.
    const d = await newPhone(t, browser, stack);
    await d.login(ACCOUNT);
    await d.waitForChats();

    // Nothing secret reached the server side: storage (before turn-off), request log, vault logs and database.
    await stack.web.close();
    await stack.vault.close();
    const haystacks = [
      ...storageFiles,
      ...fileHaystacks([stack.web.requestLogPath, ...filesUnder(stack.vaultDir)]),
      { name: "vault logs", bytes: Buffer.from(stack.vaultLogs.join("\n")) },
    ];
    assert.ok(demoText.length >= 10, "a demo message to look for");
    // The search is real: the same needle is found where it is in the clear (the demo history shipped in the app).
    assert.ok(readFileSync(join(APP_DIR, ".seed", "seed", "msgstore.db")).includes(Buffer.from(demoText)), "the demo message is stored as such in SQLite");
    assertNoSecrets(haystacks, [
      { what: "the message text", value: MESSAGE },
      { what: "a demo message", value: demoText },
      { what: "the password", value: PASSWORD },
      { what: "the new password", value: NEW_PASSWORD },
      { what: "the root key", value: rootKey },
    ]);
    const logs = [stack.web.requestLogPath].map((p) => fileHaystacks([p])[0]!);
    for (const h of [...logs, haystacks[haystacks.length - 1]!])
      assert.doesNotMatch(Buffer.from(h.bytes).toString(), /eyJ[A-Za-z0-9_-]{10,}\./, `no account token in ${h.name}`);
    for (const p of [a, b, c, d]) assert.deepEqual(p.problems, []);
  },
);
