/**
 * What `npm start` prints once everything runs: the URLs, and a CLI session to paste into
 * another terminal. The session uses its own account, not the web app's `alice`: pasted
 * after the web journey it would otherwise meet alice's backup and vault record. It picks
 * the first of bob, bob-2, … that has no backup folder yet, so a second run's session
 * works too.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { vaultDataDir } from "@chatvault/cli";
import type { LocalRealm } from "./realms.ts";

/**
 * The workspace this app belongs to (apps/local's grandparent): the session `cd`s there
 * because that is where `npx chatvault` finds the workspace's own CLI (node_modules/.bin).
 */
export const WORKSPACE_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/** The account the web app's instructions use (README, the Web app line below). */
export const WEB_ACCOUNT = "alice";
const CLI_ACCOUNT = "bob";
const cv = "npx chatvault";

/** The first of bob, bob-2, bob-3, … without a backup folder: a fresh account for the session. */
export function cliAccount(backups: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? CLI_ACCOUNT : `${CLI_ACCOUNT}-${i}`;
    if (!existsSync(join(backups, name))) return name;
  }
}

export interface Running {
  vaultUrl: string;
  webUrl: string | undefined;
  home: string;
  backups: string;
  account: string;
}

function webLine(webUrl: string | undefined): string {
  return `  Web app     ${webUrl ?? "not running"}${webUrl ? `   (sign in as ${WEB_ACCOUNT}; Settings → Chats → Chat backup → End-to-end encrypted backup)` : ""}`;
}

/** Single-vault mode: mint a token → init → demo data → backup → restore → status. */
export function session({ vaultUrl, webUrl, home, backups, account }: Running): string[] {
  const repo = join(backups, account);
  const token = join(home, `${account}.token`);
  const demo = join(home, "demo-chats");
  return [
    "chatvault is running. Ctrl-C stops everything.",
    "",
    webLine(webUrl),
    `  Key vault   ${vaultUrl}   (SQLite + key file in ${vaultDataDir(home)})`,
    `  Backups     ${backups}   (local folder storage, one folder per account)`,
    "",
    `Try the whole journey from another terminal as ${account}, an account of its own (copy and paste; init and restore ask for a password):`,
    "",
    `  cd ${WORKSPACE_ROOT}`,
    `  ${cv} serve token --home ${home} --account ${account} --out ${token} --force`,
    `  ${cv} init --repo ${repo} --vault ${vaultUrl} --token-file ${token}`,
    `  ${cv} demo-data --out ${demo} --messages 2000 --media-mib 2`,
    `  ${cv} backup --repo ${repo} --db ${join(demo, "msgstore.db")} --media ${join(demo, "media")}`,
    `  ${cv} restore --repo ${repo} --to ${join(home, "restored")}`,
    `  ${cv} status --repo ${repo}`,
    "",
  ];
}

/** Realms mode (`--realms n`): the same journey against the realm set, through the realms file. */
export function realmsSession({ vaultUrl, webUrl, home, backups, account }: Running, realms: LocalRealm[], threshold: number, realmsFile: string): string[] {
  const repo = join(backups, account);
  const demo = join(home, "demo-chats");
  return [
    `chatvault is running with ${realms.length} realms (threshold ${threshold}). Ctrl-C stops everything.`,
    "",
    webLine(webUrl),
    `  Key vault   ${vaultUrl}   (the single vault, for single-vault backups)`,
    ...realms.map((r) => `  Realm ${r.index}     ${r.url}   (its own SQLite, key file and token secret in ${r.dataDir})`),
    `  Backups     ${backups}   (local folder storage, one folder per account)`,
    "",
    `Try the distributed journey as ${account} (tokens for each realm and the realms file are written: ${realmsFile}):`,
    "",
    `  cd ${WORKSPACE_ROOT}`,
    `  ${cv} init --repo ${repo} --realms ${realmsFile}`,
    `  ${cv} demo-data --out ${demo} --messages 2000 --media-mib 2`,
    `  ${cv} backup --repo ${repo} --db ${join(demo, "msgstore.db")} --media ${join(demo, "media")}`,
    `  ${cv} status --repo ${repo}`,
    `  ${cv} restore --repo ${repo} --to ${join(home, "restored")}`,
    "",
    `Any ${threshold} of the ${realms.length} realms are enough to restore; restore says how many answered, status shows each realm.`,
    "",
  ];
}
