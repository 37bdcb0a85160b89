/**
 * Passkey protection (spec/backup-format.md §13) in Debian Chromium with CDP virtual
 * authenticators (PRF on): turn on with a passkey → back up → restore on a "new phone" →
 * add a second passkey → remove the first → restore with the second; an authenticator
 * without PRF gets the clear message and leaves no backup behind; a passkey whose PRF
 * secret did not come along (a credential exported from one virtual authenticator and
 * imported into a fresh browser context: Chromium's CDP export does not carry the PRF
 * secret) gets the same clear message at restore.
 *
 * The page runs on http://localhost (WebAuthn needs a domain as relying party ID). The
 * "new phone" that shares the synced passkey is the same tab after "Log out and erase
 * this phone" (IndexedDB and the session wiped): virtual authenticators belong to a tab,
 * and a credential moved to a fresh context loses its PRF secret (above), so this is how
 * a synced passkey can be modelled here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CDPSession } from "playwright-core";
import { decodePasskeyWrap } from "@chatvault/format";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { type Phone, type Stack, ensureBuilt, newPhone, sendMessage, startStack } from "./support.ts";

const ACCOUNT = "pia";
const MESSAGE = "Meet at the lighthouse at six 4471";

const AUTHENTICATOR = { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true };

async function withAuthenticator(phone: Phone, hasPrf: boolean): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await phone.context.newCDPSession(phone.page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: { ...AUTHENTICATOR, hasPrf } as never });
  return { cdp, authenticatorId };
}

function onLocalhost(stack: Stack): Stack {
  return { ...stack, web: { ...stack.web, url: stack.web.url.replace("127.0.0.1", "localhost") } };
}

function passkeyObjects(folder: string): string[] {
  try {
    return readdirSync(join(folder, "keys")).sort();
  } catch {
    return [];
  }
}

async function toPasskeyScreen(phone: Phone): Promise<void> {
  await phone.openBackupSettings();
  await phone.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await phone.page.getByRole("button", { name: "Continue" }).click();
  await phone.page.getByRole("button", { name: "Use a passkey instead" }).click();
  await phone.page.getByRole("heading", { name: "Use a passkey" }).waitFor();
}

/** "Log out and erase this phone", then sign in again: a phone with nothing but the passkey. */
async function eraseAndSignIn(phone: Phone): Promise<void> {
  const { page } = phone;
  await page.evaluate(() => history.replaceState(null, "", "/"));
  await page.reload();
  await phone.waitForChats();
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Log out and erase this phone" }).click();
  await page.getByRole("button", { name: "Log out and erase", exact: true }).click();
  await page.evaluate(() => sessionStorage.clear());
  await phone.login(ACCOUNT);
  await page.getByRole("heading", { name: "Restore backup" }).waitFor();
}

async function restoreWithPasskey(phone: Phone): Promise<void> {
  await phone.page.getByRole("button", { name: "Restore with passkey" }).click();
  await phone.waitForChats();
  await phone.page.getByText(/^Restored \d+ messages, \d+ media files\.$/).waitFor();
}

test("passkey: enable → back up → restore on a new phone → add a second → remove the first → restore with the second", { timeout: 300_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = onLocalhost(await startStack(t));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const folder = stack.web.backupFolder(ACCOUNT);

  const a = await newPhone(t, browser, stack);
  const { cdp, authenticatorId } = await withAuthenticator(a, true);
  const { page } = a;
  await a.login(ACCOUNT);
  await a.waitForChats();
  await sendMessage(a, MESSAGE);
  await page.getByRole("link", { name: "Back", exact: true }).click();
  await toPasskeyScreen(a);
  await a.shot("70-use-a-passkey");
  await page.getByRole("button", { name: "Create passkey" }).click();
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator("#backup-complete").waitFor();
  await page.getByRole("link", { name: /End-to-end encrypted backup.*On · passkey/ }).waitFor();
  await a.shot("71-passkey-backup-complete");
  const config = JSON.parse(readFileSync(join(folder, "config"), "utf8")) as { version: number; protection: string };
  assert.deepEqual({ version: config.version, protection: config.protection }, { version: 3, protection: "passkey" });
  const first = passkeyObjects(folder);
  assert.equal(first.length, 1);
  assert.match(first[0]!, /^passkey-[0-9a-f]{32}$/);
  // The key object names the credential the authenticator holds (spec §13.2), and its length is 98 + c.
  const creds0 = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
  const object = readFileSync(join(folder, "keys", first[0]!));
  const wrap = decodePasskeyWrap(object);
  assert.deepEqual(Buffer.from(wrap.credentialId), Buffer.from(creds0[0]!.credentialId, "base64"));
  assert.equal(object.length, 98 + wrap.credentialId.length);

  // A new phone with the same (synced) passkey: nothing to type, the chats come back.
  await eraseAndSignIn(a);
  await page.waitForFunction(() => /\d/.test(document.getElementById("found-size")?.textContent ?? ""));
  await a.shot("72-restore-with-passkey");
  await restoreWithPasskey(a);
  const preview = await page.locator(".chat-row").first().locator(".chat-preview").innerText();
  assert.equal(preview.trim(), `You: ${MESSAGE}`);

  // Add a second passkey (the backup stays readable), then remove the first.
  await a.openBackupSettings();
  await page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
  await page.locator("#passkey-list li").first().waitFor();
  assert.equal(
    await page
      .getByRole("button", { name: /^Remove passkey/ })
      .first()
      .isDisabled(),
    true,
    "the only passkey cannot be removed",
  );
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page
    .locator("#passkey-note")
    .getByText(/^Passkey [0-9a-f]{8} added\. It opens your backup too\.$/)
    .waitFor();
  await page.locator("#passkey-list li").nth(1).waitFor();
  assert.equal(await page.locator("#passkey-list li").count(), 2);
  assert.equal(passkeyObjects(folder).length, 2);
  await a.shot("73-two-passkeys");
  const firstLabel = first[0]!.slice("passkey-".length, "passkey-".length + 8);
  await page.getByRole("button", { name: `Remove passkey ${firstLabel}` }).click();
  await page.locator("#passkey-note").getByText(`Passkey ${firstLabel} removed: it no longer opens your backup from this server's storage.`).waitFor();
  const second = passkeyObjects(folder);
  assert.equal(second.length, 1);
  assert.notEqual(second[0], first[0]);
  await a.shot("74-first-passkey-removed");

  // Restore with the second passkey: only it is offered (the first's key object is gone).
  await eraseAndSignIn(a);
  await restoreWithPasskey(a);
  assert.equal((await page.locator(".chat-row").first().locator(".chat-preview").innerText()).trim(), `You: ${MESSAGE}`);
  assert.deepEqual(a.problems, []);

  // A credential exported to a fresh browser context arrives without its PRF secret there:
  // restoring with it says so plainly instead of failing obscurely.
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 2);
  const b = await newPhone(t, browser, stack);
  const bAuth = await withAuthenticator(b, true);
  for (const c of credentials) await bAuth.cdp.send("WebAuthn.addCredential", { authenticatorId: bAuth.authenticatorId, credential: c });
  await b.login(ACCOUNT);
  await b.page.getByRole("heading", { name: "Restore backup" }).waitFor();
  await b.page.getByRole("button", { name: "Restore with passkey" }).click();
  await b.page
    .locator("#restore-error")
    .getByText(/^This passkey gave no PRF output here, so it can't unlock the backup: .*doesn't support the PRF extension/)
    .waitFor();
  await b.shot("75-passkey-without-prf-at-restore");
  assert.deepEqual(b.problems, []);
});

test("passkey: an authenticator without PRF gets the clear message and no backup is left behind", { timeout: 120_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = onLocalhost(await startStack(t));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const c = await newPhone(t, browser, stack);
  await withAuthenticator(c, false);
  await c.login("quinn");
  await c.waitForChats();
  await toPasskeyScreen(c);
  await c.page.getByRole("button", { name: "Create passkey" }).click();
  await c.page
    .locator("#passkey-error")
    .getByText(
      "This passkey can't protect a backup: its password manager or security key doesn't support the PRF extension that chatvault needs. Use a password or the 64-digit key instead, or a passkey from another provider.",
    )
    .waitFor();
  await c.page.getByRole("button", { name: "Use a password instead" }).waitFor();
  await c.page.getByRole("button", { name: "Use 64-digit encryption key instead" }).waitFor();
  await c.page.locator("#passkey-error").scrollIntoViewIfNeeded();
  await c.shot("76-passkey-no-prf");
  assert.deepEqual(
    readdirSync(stack.web.backupFolder("quinn")).filter((n) => n !== "locks"),
    [],
    "no config or key object left",
  );
  assert.deepEqual(c.problems, []);
});
