/**
 * Test support for the web messenger: the whole stack in-process (a key vault with the
 * test clock and the test-only cheap KSF, the web server on the built app), "phones" (one
 * fresh Chromium context each = a new browser profile), screenshots, and the CLI.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { tempDir } from "@chatvault/testkit";
import { type GuessPolicy, createLogger, mintDevToken, startVaultServer, type RunningVault } from "@chatvault/vault-server";
import { generateRootKey } from "@chatvault/format";
import { Repository, backupBytes, browserCompressor, vaultHeadStore } from "@chatvault/sdk";
import { FsStorage } from "@chatvault/storage/fs";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import { APP_DIR, buildWebApp } from "../scripts/build-app.ts";
import { type RunningWebServer, createWebServer } from "../server/index.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const SHOTS_DIR = join(REPO_ROOT, "test-results", "web");

/** Builds apps/web/dist unless it is up to date (one build at a time across test files). */
export function ensureBuilt(): Promise<string> {
  return buildWebApp();
}

export interface Stack {
  vault: RunningVault;
  web: RunningWebServer;
  dir: string;
  vaultDir: string;
  secret: string;
  /** Every line the vault logged (debug level: one per request, plus events). */
  vaultLogs: string[];
  token(account: string): Promise<string>;
  /** Move the vault's clock forward (TEST ONLY hook, spec/vault-protocol.md §9.3). */
  advanceVaultClock(ms: number): Promise<void>;
}

export async function startStack(t: TestContext, o: { policy?: Partial<GuessPolicy> } = {}): Promise<Stack> {
  const dir = tempDir(t, "chatvault-web-test-");
  const secret = randomBytes(32).toString("base64url");
  const vaultLogs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line) vaultLogs.push(line);
      cb();
    },
  });
  const vaultDir = join(dir, "vault");
  const vault = await startVaultServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: vaultDir,
    auth: { hs256Secret: secret },
    allowWeakKeyStretching: true,
    testClock: true,
    rateLimit: false,
    sweepIntervalMs: 0,
    logger: createLogger({ level: "debug", destination }),
    ...(o.policy ? { policy: o.policy } : {}),
  });
  t.after(() => vault.close());
  const web = await createWebServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "web"),
    vaultUrl: vault.url,
    tokenSecret: secret,
    testOnlyWeakKeyStretching: true,
  });
  t.after(() => web.close());
  return {
    vault,
    web,
    dir,
    vaultDir,
    secret,
    vaultLogs,
    token: (account) => mintDevToken({ secret, account, ttl: 3600 }),
    async advanceVaultClock(ms) {
      const res = await fetch(`${vault.url}/_test/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advanceMs: ms }),
      });
      assert.equal(res.status, 200, "the vault's test clock moved");
    },
  };
}

/** Phone-sized screen (an iPhone 12-14 viewport). */
export const PHONE = { width: 390, height: 844 };
/** A laptop screen: the chat list and the open chat side by side. */
export const DESKTOP = { width: 1280, height: 800 };

export interface Phone {
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors and CSP violations seen so far. */
  problems: string[];
  shot(name: string): Promise<void>;
  login(account: string): Promise<void>;
  /** The chat list screen is showing. */
  waitForChats(): Promise<void>;
  /** Settings → Chats → Chat backup. */
  openBackupSettings(): Promise<void>;
}

/** A new phone: a fresh browser context (empty IndexedDB, no cookies) at phone width. */
export async function newPhone(t: TestContext, browser: Browser, stack: Stack, o: { viewport?: { width: number; height: number } } = {}): Promise<Phone> {
  const context = await browser.newContext({ viewport: o.viewport ?? PHONE, deviceScaleFactor: 1, locale: "en-GB", timezoneId: "UTC" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.web.url });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || /Content.Security.Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  // The app runs from its own server alone: code, WebAssembly, demo data, storage, vault.
  page.on("request", (r) => {
    if (!r.url().startsWith(`${stack.web.url}/`) && !r.url().startsWith("data:")) problems.push(`request to another origin: ${r.url()}`);
  });
  await page.goto(stack.web.url);
  const phone: Phone = {
    context,
    page,
    problems,
    async shot(name) {
      mkdirSync(SHOTS_DIR, { recursive: true });
      // Phone width holds: nothing may scroll sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the phone`);
      await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`) });
    },
    async login(account) {
      // Keyboard only: the field has a label, Enter submits.
      await page.getByLabel("Account name").focus();
      await page.keyboard.type(account);
      await page.keyboard.press("Enter");
    },
    async waitForChats() {
      await page.getByRole("heading", { name: "Chats", exact: true }).waitFor();
    },
    async openBackupSettings() {
      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("link", { name: /^Chats/ }).click();
      await page.getByRole("link", { name: /^Chat backup/ }).click();
      await page.getByRole("heading", { name: "Chat backup" }).waitFor();
    },
  };
  return phone;
}

/** Send `text` in the first chat of the list; returns that chat's name. */
export async function sendMessage(phone: Phone, text: string): Promise<string> {
  const { page } = phone;
  const first = page.locator(".chat-row").first();
  const name = (await first.locator(".chat-name").innerText()).trim();
  await first.click();
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByText(text).waitFor();
  return name;
}

/** The chat list as a person sees it: name, time and preview of each chat. */
export async function chatListOf(phone: Phone): Promise<string[]> {
  await phone.waitForChats();
  return phone.page.locator(".chat-row").allInnerTexts();
}

/** The chat list shows `text` as the newest message of the first chat (sent by this account). */
export async function expectNewestMessage(phone: Phone, text: string): Promise<void> {
  await phone.waitForChats();
  const preview = await phone.page.locator(".chat-row").first().locator(".chat-preview").innerText();
  assert.equal(preview.trim(), `You: ${text}`);
}

/** The top of an element, to check nothing moves while progress runs. */
export async function topOf(page: Page, selector: string): Promise<number> {
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is on screen`);
  return Math.round(box.y);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The chatvault CLI as a child process (`node --conditions=chatvault-source --import tsx packages/cli/src/bin.ts …`: from source, README "Layout"). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--conditions=chatvault-source", "--import", "tsx", join(REPO_ROOT, "packages/cli/src/bin.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: env.CHATVAULT_CONFIG_DIR ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

export function writeSecret(path: string, text: string): string {
  writeFileSync(path, text + "\n", { mode: 0o600 });
  return path;
}

/** Every file under `dir` (recursively), for searching. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Asserts that none of `needles` occurs in any of `haystacks` (files, or named texts),
 * neither as UTF-8 nor — for byte needles — as hex, base64 or base64url.
 */
export function assertNoSecrets(haystacks: Array<{ name: string; bytes: Uint8Array }>, needles: Array<{ what: string; value: string | Uint8Array }>): void {
  const forms: Array<{ what: string; bytes: Buffer }> = [];
  for (const n of needles) {
    if (typeof n.value === "string") {
      forms.push({ what: n.what, bytes: Buffer.from(n.value, "utf8") });
    } else {
      const b = Buffer.from(n.value);
      for (const [enc, text] of [
        ["hex", b.toString("hex")],
        ["base64", b.toString("base64")],
        ["base64url", b.toString("base64url")],
      ] as const) {
        forms.push({ what: `${n.what} (${enc})`, bytes: Buffer.from(text, "utf8") });
      }
    }
  }
  for (const h of haystacks) {
    const hay = Buffer.from(h.bytes);
    for (const f of forms) assert.equal(hay.indexOf(f.bytes), -1, `${f.what} found in ${h.name}`);
  }
}

export function fileHaystacks(paths: string[]): Array<{ name: string; bytes: Uint8Array }> {
  return paths.map((p) => ({ name: p, bytes: readFileSync(p) }));
}

/** A password-protected backup of the demo history for `account`, made the way the page makes one. */
export async function backupFor(stack: Stack, account: string, password: string): Promise<void> {
  const token = await stack.token(account);
  const vault = new VaultClient({ baseUrl: stack.vault.url, token: () => token, keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true });
  const rootKey = generateRootKey();
  const storage = await FsStorage.open(stack.web.backupFolder(account));
  const repo = await Repository.init(storage, rootKey, { protection: "password", vaultUrl: stack.vault.url });
  await vault.enable(password, rootKey);
  const bytes = new Uint8Array(readFileSync(join(APP_DIR, ".seed", "seed", "msgstore.db")));
  await backupBytes({ repo, heads: vaultHeadStore(vault, rootKey), compressor: browserCompressor, database: { name: "msgstore.db", bytes } });
}

/** Type a password on the restore screen and press Restore. */
export async function guess(phone: Phone, password: string): Promise<void> {
  await phone.page.getByLabel("Password", { exact: true }).fill(password);
  await phone.page.getByRole("button", { name: "Restore", exact: true }).click();
}
