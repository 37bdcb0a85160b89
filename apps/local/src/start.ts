/**
 * `chatvault start` (what `npm start` runs): the whole system on this machine with nothing
 * else running — the key vault (SQLite + key file), a local folder for backups, and the
 * web messenger — bound to 127.0.0.1. Prints the URLs and a CLI session to paste into
 * another terminal; Ctrl-C (or SIGTERM) stops everything and exits 0.
 *
 * The session uses its own account, not the web app's `alice`: pasted after the web
 * journey it would otherwise meet alice's backup and vault record. It picks the first of
 * bob, bob-2, … that has no backup folder yet, so a second run's session works too. Busy
 * ports are all named at once, before anything starts.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UsageError } from "../cli-error.ts";
import { outputOf } from "../options.ts";
import type { Output } from "../output.ts";
import { type VaultServerModule, portFrom, untilStopped, vaultDataDir, vaultHome } from "../vault-home.ts";
import { type LocalRealm, defaultThreshold, realmPort, startLocalRealms, writeRealmsSession } from "./start-realms.ts";

const repoRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const DEFAULT_WEB_PORT = 8480;
/** The account the web app's instructions use (README, the Web app line below). */
export const WEB_ACCOUNT = "alice";
const CLI_ACCOUNT = "bob";

interface StartFlags {
  home?: string;
  port?: string;
  webPort?: string;
  web: boolean;
  realms?: string;
}

export function registerStart(program: Command, vs?: VaultServerModule): void {
  program
    .command("start")
    .description("run everything locally (key vault, backup folder, web messenger) on 127.0.0.1 and print what to do next")
    .option("--home <dir>", "data folder (env CHATVAULT_HOME, default ./.chatvault)")
    .option("--port <port>", "vault port; 0 picks a free one (env CHATVAULT_PORT, default 8471)")
    .option("--web-port <port>", "web messenger port; 0 picks a free one (env CHATVAULT_WEB_PORT, default 8480)")
    .option("--no-web", "do not serve the web messenger")
    .option("--realms <n>", "also run n realms of the threshold vault (2 to 9; ports 8481…, each its own home under <home>/realm-<i>) and print a realms-mode CLI session")
    .action(async (flags: StartFlags, command: Command) => {
      const out = outputOf(command);
      if (!vs) throw new Error("internal: vault server not loaded");
      const home = vaultHome(flags.home);
      const backups = join(home, "backups");
      await mkdir(backups, { recursive: true, mode: 0o700 });
      // CHATVAULT_VAULT_* variables still tune the vault (policy, test options); the
      // address and data folder are start's: 127.0.0.1 and <home>/vault.
      const { workers: _ignored, ...env } = vs.parseCommandLine([]).options;
      const port = portFrom(flags.port);
      const realmCount = flags.realms === undefined ? 0 : Number(flags.realms);
      if (flags.realms !== undefined && (!/^\d$/.test(flags.realms) || realmCount < 2)) throw new UsageError(`--realms must be a number from 2 to 9, got ${JSON.stringify(flags.realms)}`);
      const webPort = flags.web ? portFrom(flags.webPort ?? (process.env.CHATVAULT_WEB_PORT || String(DEFAULT_WEB_PORT))) : undefined;
      await mustBeFree([
        { port, variable: "CHATVAULT_PORT", what: "key vault" },
        ...(webPort !== undefined ? [{ port: webPort, variable: "CHATVAULT_WEB_PORT", what: "web messenger" }] : []),
        ...Array.from({ length: realmCount }, (_x, i) => ({ port: realmPort(port, i + 1), variable: "CHATVAULT_PORT=0", what: `realm ${i + 1}` })),
      ]);
      // The console belongs to the instructions below: the vault logs only warnings, to stderr.
      const vault = await vs.startVaultServer({
        ...env, host: "127.0.0.1", port, dataDir: vaultDataDir(home), logLevel: env.logLevel ?? "warn", logDestination: process.stderr,
      }).catch((e: unknown) => {
        throw inUse(e, port, "CHATVAULT_PORT");
      });
      const tokenSecret = env.auth && "hs256Secret" in env.auth
        ? env.auth.hs256Secret
        : env.auth ? undefined : vs.loadOrCreateDevSecret(join(vaultDataDir(home), vs.DATA_FILES.devSecret));
      let realms: LocalRealm[] = [];
      if (realmCount > 0) realms = await startLocalRealms(vs, env, home, realmCount, port).catch(async (e: unknown) => {
        await vault.close();
        throw e;
      });
      const threshold = defaultThreshold(realmCount);
      const web = webPort !== undefined
        ? await startWeb(out, {
          home, backups, vaultUrl: vault.url, tokenSecret, weak: !!env.allowWeakKeyStretching, port: webPort,
          // Realms mode: the page keeps new password backups at the realm set (docs/web.md).
          ...(realms.length ? { realms: { threshold, realms: realms.map((r) => ({ url: r.url, tokenSecret: r.tokenSecret })) } } : {}),
        })
        : undefined;
      const account = cliAccount(backups);
      const realmsFile = realms.length ? await writeRealmsSession(vs, realms, threshold, home, account) : undefined;
      out.result(
        { vault: vault.url, web: web?.url ?? null, home, backups, webAccount: WEB_ACCOUNT, cliAccount: account, ...(realmsFile ? { realms: { threshold, urls: realms.map((r) => r.url), realmsFile } } : {}) },
        realmsFile ? realmsSession(vault.url, web?.url, home, backups, account, realms, threshold, realmsFile) : session(vault.url, web?.url, home, backups, account),
      );
      const signal = await untilStopped();
      out.note(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping…`);
      await web?.close();
      await Promise.all(realms.map((r) => r.close()));
      await vault.close();
      out.note("stopped.");
    });
}

/** The first of bob, bob-2, bob-3, … without a backup folder: a fresh account for the session. */
export function cliAccount(backups: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? CLI_ACCOUNT : `${CLI_ACCOUNT}-${i}`;
    if (!existsSync(join(backups, name))) return name;
  }
}

function portFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => done(true)));
  });
}

/** All busy ports in one message, so a second try does not meet the next one. */
async function mustBeFree(wanted: { port: number; variable: string; what: string }[]): Promise<void> {
  const busy = [];
  for (const w of wanted) if (!(await portFree(w.port))) busy.push(w);
  if (busy.length === 0) return;
  const list = busy.map((b) => `${b.port} (${b.what}; set ${b.variable})`).join(" and ");
  throw new UsageError(`port${busy.length === 1 ? "" : "s"} ${list} ${busy.length === 1 ? "is" : "are"} in use (is chatvault already running?); use other ports, or 0 for any free one`);
}

function inUse(e: unknown, port: number, variable: string): unknown {
  if ((e as { code?: unknown }).code !== "EADDRINUSE") return e;
  return new UsageError(`port ${port} is in use (is chatvault already running?); set ${variable} to another port, or 0 for any free one`);
}

interface WebOptions {
  home: string;
  backups: string;
  vaultUrl: string;
  tokenSecret: string | undefined;
  weak: boolean;
  port: number;
  realms?: { threshold: number; realms: { url: string; tokenSecret: string }[] };
}

/**
 * The web messenger (apps/web), built on first start. It is optional: if it cannot run
 * (not built and the build fails, or the vault verifies tokens it cannot mint), say why
 * and keep the vault and the CLI working.
 */
async function startWeb(out: Output, o: WebOptions): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (!o.tokenSecret) {
    out.note("web messenger not started: the vault verifies the app's own tokens (--jwt-public-key-file/--jwks-file), which its demo login cannot mint");
    return undefined;
  }
  let web: typeof import("@chatvault/web");
  try {
    web = await import("@chatvault/web");
    if (!web.webAppBuilt()) await web.buildWebApp({ onNote: (l) => out.note(l) });
  } catch (e) {
    out.note(`web messenger not started: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    return undefined;
  }
  const port = o.port;
  return web.createWebServer({
    host: "127.0.0.1", port, dataDir: o.home, backupsDir: o.backups, vaultUrl: o.vaultUrl, tokenSecret: o.tokenSecret,
    ...(o.weak ? { testOnlyWeakKeyStretching: true } : {}),
    ...(o.realms ? { realms: o.realms } : {}),
  }).catch((e: unknown) => {
    throw inUse(e, port, "CHATVAULT_WEB_PORT");
  });
}

function session(vaultUrl: string, webUrl: string | undefined, home: string, backups: string, account: string): string[] {
  const repo = join(backups, account);
  const token = join(home, `${account}.token`);
  const demo = join(home, "demo-chats");
  const cv = "npx chatvault";
  return [
    "chatvault is running. Ctrl-C stops everything.",
    "",
    `  Web app     ${webUrl ?? "not running"}${webUrl ? `   (sign in as ${WEB_ACCOUNT}; Settings → Chats → Chat backup → End-to-end encrypted backup)` : ""}`,
    `  Key vault   ${vaultUrl}   (SQLite + key file in ${vaultDataDir(home)})`,
    `  Backups     ${backups}   (local folder storage, one folder per account)`,
    "",
    `Try the whole journey from another terminal as ${account}, an account of its own (copy and paste; init and restore ask for a password):`,
    "",
    `  cd ${repoRoot}`,
    `  ${cv} serve token --home ${home} --account ${account} --out ${token} --force`,
    `  ${cv} init --repo ${repo} --vault ${vaultUrl} --token-file ${token}`,
    `  ${cv} demo-data --out ${demo} --messages 2000 --media-mib 2`,
    `  ${cv} backup --repo ${repo} --db ${join(demo, "msgstore.db")} --media ${join(demo, "media")}`,
    `  ${cv} restore --repo ${repo} --to ${join(home, "restored")}`,
    `  ${cv} status --repo ${repo}`,
    "",
  ];
}

function realmsSession(vaultUrl: string, webUrl: string | undefined, home: string, backups: string, account: string, realms: LocalRealm[], threshold: number, realmsFile: string): string[] {
  const repo = join(backups, account);
  const demo = join(home, "demo-chats");
  const cv = "npx chatvault";
  return [
    `chatvault is running with ${realms.length} realms (threshold ${threshold}). Ctrl-C stops everything.`,
    "",
    `  Web app     ${webUrl ?? "not running"}${webUrl ? `   (sign in as ${WEB_ACCOUNT}; Settings → Chats → Chat backup → End-to-end encrypted backup)` : ""}`,
    `  Key vault   ${vaultUrl}   (the single vault, for single-vault backups)`,
    ...realms.map((r) => `  Realm ${r.index}     ${r.url}   (its own SQLite, key file and token secret in ${r.dataDir})`),
    `  Backups     ${backups}   (local folder storage, one folder per account)`,
    "",
    `Try the distributed journey as ${account} (tokens for each realm and the realms file are written: ${realmsFile}):`,
    "",
    `  cd ${repoRoot}`,
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
