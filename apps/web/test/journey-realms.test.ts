/**
 * The Settings flow on a 3-realm setup (threshold 2), in Debian Chromium: the demo server
 * names the realm set and mints one token per realm; the explanation says the key is split
 * across the realms; turn on end-to-end encrypted backup with a password (registered at
 * the realms, the set recorded in the backup's config), back up, then — with one realm
 * down — restore on a new phone: the restore message says how many realms answered;
 * change the password with that realm still down. Screenshots 69-… to 74-… (look at them:
 * test-results/web/).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { chromiumAvailable, launchChromium, needService, tempDir } from "@chatvault/testkit";
import { parseConfig } from "@chatvault/sdk";
import { readFileSync } from "node:fs";
import { type RunningVault, startVaultServer } from "@chatvault/vault-server";
import { createWebServer } from "../server/index.ts";
import { type Stack, chatListOf, ensureBuilt, expectNewestMessage, newPhone, sendMessage } from "./support.ts";

const ACCOUNT = "alice";
const MESSAGE = "Three keepers, two needed: the lighthouse at seven 5521";
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet kettle orbit lantern";

test(
  "realms mode in the web app: enable on 3 realms, back up, restore with one realm down (says 2 of 3 answered), change password",
  { timeout: 180_000 },
  async (t) => {
    if (!needService(t, chromiumAvailable(), "Chromium not installed at /usr/bin/chromium; apt-get install chromium")) return;
    await ensureBuilt();
    const dir = tempDir(t, "chatvault-web-realms-");
    const realms: { vault: RunningVault; secret: string; closed: boolean }[] = [];
    for (let i = 1; i <= 3; i++) {
      const secret = randomBytes(32).toString("base64url");
      const vault = await startVaultServer({
        host: "127.0.0.1",
        port: 0,
        dataDir: join(dir, `realm-${i}`),
        auth: { hs256Secret: secret },
        allowWeakKeyStretching: true,
        rateLimit: false,
        sweepIntervalMs: 0,
        logLevel: "warn",
      });
      const r = { vault, secret, closed: false };
      realms.push(r);
      t.after(() => (r.closed ? undefined : vault.close()));
    }
    const webSecret = randomBytes(32).toString("base64url");
    const web = await createWebServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: join(dir, "web"),
      vaultUrl: realms[0]!.vault.url,
      tokenSecret: webSecret,
      testOnlyWeakKeyStretching: true,
      realms: { threshold: 2, realms: realms.map((r) => ({ url: r.vault.url, tokenSecret: r.secret })) },
    });
    t.after(() => web.close());
    const stack = { web } as unknown as Stack; // newPhone needs only the web server
    const browser = await launchChromium();
    t.after(() => browser.close());

    const a = await newPhone(t, browser, stack);
    await a.login(ACCOUNT);
    await a.waitForChats();
    await sendMessage(a, MESSAGE);
    await a.page.getByRole("link", { name: "Back", exact: true }).click();
    const chatsBefore = await chatListOf(a);
    await a.openBackupSettings();
    await a.page.getByRole("link", { name: /End-to-end encrypted backup/ }).click();
    await a.page.getByText("the key is split across 3 key vaults run separately: any 2 of them can unlock it").waitFor();
    await a.shot("69-realms-e2ee-explanation");
    await a.page.getByRole("button", { name: "Continue" }).click();
    await a.page.getByRole("heading", { name: "Create password" }).waitFor();
    await a.page.locator("#new-password").fill(PASSWORD);
    await a.page.locator("#new-password-again").fill(PASSWORD);
    await a.page
      .locator("#strength")
      .getByText(/Strong|Very strong/)
      .waitFor();
    await a.shot("70-realms-create-password");
    await a.page.getByRole("button", { name: "Create", exact: true }).click();
    await a.page.getByRole("button", { name: "Done" }).click();
    await a.page.locator("#backup-complete").waitFor();
    await a.shot("71-realms-backup-complete");

    // The backup's config names the realm set (version 3), each realm by the ID its /info gives.
    const config = parseConfig(readFileSync(join(web.backupFolder(ACCOUNT), "config"))).config;
    assert.equal(config.protection, "realms");
    assert.equal(config.version, 3);
    const ids = await Promise.all(realms.map(async (r) => ((await (await fetch(`${r.vault.url}/realm/v1/info`)).json()) as { realmId: string }).realmId));
    assert.deepEqual(config.realmSet, { threshold: 2, realms: realms.map((r, i) => ({ id: ids[i]!, url: r.vault.url })) });
    // Each realm holds a registration for alice (its own token, its own issuer).
    for (const r of realms) {
      const { mintDevToken } = await import("@chatvault/vault-server");
      const rec = await fetch(`${r.vault.url}/realm/v1/record`, {
        headers: { authorization: `Bearer ${await mintDevToken({ secret: r.secret, account: ACCOUNT, ttl: 600 })}` },
      });
      assert.equal(((await rec.json()) as { state: string }).state, "active");
    }

    // Realm 3 goes down; a new phone restores with the other two and says so.
    await realms[2]!.vault.close();
    realms[2]!.closed = true;
    const b = await newPhone(t, browser, stack);
    await b.login(ACCOUNT);
    await b.page.getByRole("heading", { name: "Restore backup" }).waitFor();
    await b.page.getByText("5 attempts left").waitFor();
    await b.shot("72-realms-restore-found");
    await b.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await b.page.getByRole("button", { name: "Restore", exact: true }).click();
    await expectNewestMessage(b, MESSAGE);
    await b.page
      .locator("#flash")
      .getByText(/^Restored [\d,]+ messages, \d+ media files\. 2 of 3 key vaults answered \(1 did not\)\.$/)
      .waitFor();
    assert.deepEqual(await chatListOf(b), chatsBefore);
    await b.shot("73-realms-restored-one-down");

    // Change the password with realm 3 still down: two realms take the new one.
    await b.openBackupSettings();
    await b.page.getByRole("link", { name: /End-to-end encrypted backup.*On · password/ }).click();
    await b.page.getByRole("link", { name: "Change password" }).click();
    await b.page.getByLabel("Current password").fill(PASSWORD);
    await b.page.getByLabel("New password").fill(NEW_PASSWORD);
    await b.page.getByLabel("Confirm password").fill(NEW_PASSWORD);
    await b.page.getByRole("button", { name: "Change password" }).click();
    await b.page.getByText("Password changed.").waitFor();
    await b.shot("74-realms-password-changed");

    // A third phone: the old password is refused, the new one restores (2 of 3 again).
    const c = await newPhone(t, browser, stack);
    await c.login(ACCOUNT);
    await c.page.getByRole("heading", { name: "Restore backup" }).waitFor();
    await c.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await c.page.getByRole("button", { name: "Restore", exact: true }).click();
    await c.page.getByText(/Incorrect password\. \d attempts left\./).waitFor();
    await c.page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
    await c.page.getByRole("button", { name: "Restore", exact: true }).click();
    await expectNewestMessage(c, MESSAGE);
    await c.page
      .locator("#flash")
      .getByText(/2 of 3 key vaults answered \(1 did not\)\./)
      .waitFor();
    assert.deepEqual(a.problems, []);
    // With realm 3 down, the browser logs each request the server could not pass on (502); nothing else.
    for (const p of [b, c])
      assert.deepEqual(
        p.problems.filter((x) => !/status of 502 \(Bad Gateway\)/.test(x)),
        [],
      );
  },
);
