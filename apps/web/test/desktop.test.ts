/**
 * Desktop width in Debian Chromium: the chat list and the open conversation side by side
 * (WhatsApp's web client), the settings flow as a panel beside the list; at phone width
 * still one screen at a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromiumAvailable, launchChromium, needService } from "@chatvault/testkit";
import { DESKTOP, type Phone, ensureBuilt, newPhone, startStack } from "./support.ts";

async function box(phone: Phone, selector: string) {
  const b = await phone.page.locator(selector).boundingBox();
  assert.ok(b, `${selector} is on screen`);
  return b;
}

test("desktop: chat list and conversation side by side, settings as a panel; phone width unchanged", { timeout: 90_000 }, async (t) => {
  if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
  await ensureBuilt();
  const stack = await startStack(t);
  const browser = await launchChromium();
  t.after(() => browser.close());

  const wide = await newPhone(t, browser, stack, { viewport: DESKTOP });
  await wide.login("desk");
  await wide.page.locator("#no-chat-open").waitFor();
  const list = await box(wide, ".list-pane");
  const empty = await box(wide, ".detail-pane");
  assert.ok(list.x + list.width <= empty.x + 1, "the list is left of the detail pane");
  assert.ok(empty.width > 600, `the detail pane uses the width (${empty.width}px)`);
  await wide.shot("52-desktop-chats");

  // Open a chat: it shows beside the list, which stays (with the chat marked).
  const firstName = (await wide.page.locator(".chat-row .chat-name").first().innerText()).trim();
  await wide.page.locator(".chat-row").first().click();
  await wide.page.getByRole("heading", { name: firstName }).waitFor();
  await wide.page.waitForFunction((n) => document.activeElement?.textContent === n, firstName, { timeout: 2000 }); // the conversation's heading takes focus
  assert.equal(await wide.page.locator('.chat-row[aria-current="page"]').count(), 1, "the open chat is marked in the list");
  const conv = await box(wide, "#conversation");
  assert.ok(conv.x >= list.x + list.width - 1 && Math.abs(conv.y - list.y) < 2, "the conversation is beside the list, not below");
  await wide.page.getByRole("textbox", { name: "Message" }).fill("side by side");
  await wide.page.getByRole("button", { name: "Send" }).click();
  await wide.page.locator(".bubble.mine").getByText("side by side").waitFor();
  await wide.page.locator(".chat-row").first().locator(".chat-preview").getByText("You: side by side").waitFor();
  await wide.shot("53-desktop-conversation");

  // Settings → Chats → Chat backup opens as a panel beside the list.
  await wide.page.getByRole("link", { name: "Settings" }).click();
  await wide.page.getByRole("link", { name: /^Chats/ }).click();
  await wide.page.getByRole("link", { name: /^Chat backup/ }).click();
  await wide.page.getByRole("heading", { name: "Chat backup" }).waitFor();
  await wide.page.locator(".list-pane .chat-row").first().waitFor();
  await wide.shot("54-desktop-chat-backup");

  // Phone width: one screen at a time, as before.
  const phone = await newPhone(t, browser, stack);
  await phone.login("desk2");
  await phone.waitForChats();
  assert.equal(await phone.page.locator(".side-by-side").count(), 0, "no split at phone width");
  await phone.page.locator(".chat-row").first().click();
  await phone.page.locator("#conversation").waitFor();
  assert.equal(await phone.page.locator(".chat-list").count(), 0, "the conversation replaces the list");
  await phone.shot("55-phone-conversation");
  for (const p of [wide, phone]) assert.deepEqual(p.problems, []);
});
