/**
 * `npm start`: the whole system on this machine with nothing else running — the key vault
 * (SQLite + key file), a local folder for backups, and the web messenger — bound to
 * 127.0.0.1. Prints the URLs and a CLI session to paste into another terminal
 * (session.ts); Ctrl-C (or SIGTERM) stops everything and exits 0. Busy ports are all
 * named at once, before anything starts.
 *
 * The vault's home and port follow the CLI's `serve` (CHATVAULT_HOME, CHATVAULT_PORT,
 * `<home>/vault`), so the `chatvault serve token --home …` of the session signs with
 * this vault's dev secret.
 */
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Output, UsageError, portFrom, untilStopped, vaultDataDir, vaultHome } from "@chatvault/cli";
import { DATA_FILES, loadOrCreateDevSecret, parseCommandLine, startVaultServer } from "@chatvault/vault-server";
import { type LocalRealm, defaultThreshold, realmPort, startLocalRealms, writeRealmsSession } from "./realms.ts";
import { WEB_ACCOUNT, cliAccount, realmsSession, session } from "./session.ts";

const DEFAULT_WEB_PORT = 8480;

export interface StartFlags {
  home?: string;
  port?: string;
  webPort?: string;
  web: boolean;
  realms?: string;
}

/** Start everything, print the session, and stop everything on the first SIGINT/SIGTERM. */
export async function startLocal(flags: StartFlags, out: Output): Promise<void> {
  const home = vaultHome(flags.home);
  const backups = join(home, "backups");
  await mkdir(backups, { recursive: true, mode: 0o700 });
  // CHATVAULT_VAULT_* variables still tune the vault (policy, test options); the
  // address and data folder are ours: 127.0.0.1 and <home>/vault.
  const { workers: _ignored, ...env } = parseCommandLine([]).options;
  const port = portFrom(flags.port);
  const realmCount = flags.realms === undefined ? 0 : Number(flags.realms);
  if (flags.realms !== undefined && (!/^\d$/.test(flags.realms) || realmCount < 2))
    throw new UsageError(`--realms must be a number from 2 to 9, got ${JSON.stringify(flags.realms)}`);
  const webPort = flags.web ? portFrom(flags.webPort ?? (process.env.CHATVAULT_WEB_PORT || String(DEFAULT_WEB_PORT))) : undefined;
  await mustBeFree([
    { port, variable: "CHATVAULT_PORT", what: "key vault" },
    ...(webPort !== undefined ? [{ port: webPort, variable: "CHATVAULT_WEB_PORT", what: "web messenger" }] : []),
    ...Array.from({ length: realmCount }, (_x, i) => ({ port: realmPort(port, i + 1), variable: "CHATVAULT_PORT=0", what: `realm ${i + 1}` })),
  ]);
  // The console belongs to the instructions below: the vault logs only warnings, to stderr.
  const vault = await startVaultServer({
    ...env,
    host: "127.0.0.1",
    port,
    dataDir: vaultDataDir(home),
    logLevel: env.logLevel ?? "warn",
    logDestination: process.stderr,
  }).catch((e: unknown) => {
    throw inUse(e, port, "CHATVAULT_PORT");
  });
  const tokenSecret =
    env.auth && "hs256Secret" in env.auth ? env.auth.hs256Secret : env.auth ? undefined : loadOrCreateDevSecret(join(vaultDataDir(home), DATA_FILES.devSecret));
  let realms: LocalRealm[] = [];
  if (realmCount > 0)
    realms = await startLocalRealms(env, home, realmCount, port).catch(async (e: unknown) => {
      await vault.close();
      throw e;
    });
  const threshold = defaultThreshold(realmCount);
  const web =
    webPort !== undefined
      ? await startWeb(out, {
          home,
          backups,
          vaultUrl: vault.url,
          tokenSecret,
          weak: !!env.allowWeakKeyStretching,
          port: webPort,
          // Realms mode: the page keeps new password backups at the realm set (docs/web.md).
          ...(realms.length ? { realms: { threshold, realms: realms.map((r) => ({ url: r.url, tokenSecret: r.tokenSecret })) } } : {}),
        })
      : undefined;
  const account = cliAccount(backups);
  const realmsFile = realms.length ? await writeRealmsSession(realms, threshold, home, account) : undefined;
  const running = { vaultUrl: vault.url, webUrl: web?.url, home, backups, account };
  out.result(
    {
      vault: vault.url,
      web: web?.url ?? null,
      home,
      backups,
      webAccount: WEB_ACCOUNT,
      cliAccount: account,
      ...(realmsFile ? { realms: { threshold, urls: realms.map((r) => r.url), realmsFile } } : {}),
    },
    realmsFile ? realmsSession(running, realms, threshold, realmsFile) : session(running),
  );
  const signal = await untilStopped();
  out.note(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping…`);
  await web?.close();
  await Promise.all(realms.map((r) => r.close()));
  await vault.close();
  out.note("stopped.");
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
  throw new UsageError(
    `port${busy.length === 1 ? "" : "s"} ${list} ${busy.length === 1 ? "is" : "are"} in use (is chatvault already running?); use other ports, or 0 for any free one`,
  );
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
 * and keep the vault and the CLI working. Imported only when served: `--no-web` never
 * loads it.
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
  return web
    .createWebServer({
      host: "127.0.0.1",
      port,
      dataDir: o.home,
      backupsDir: o.backups,
      vaultUrl: o.vaultUrl,
      tokenSecret: o.tokenSecret,
      ...(o.weak ? { testOnlyWeakKeyStretching: true } : {}),
      ...(o.realms ? { realms: o.realms } : {}),
    })
    .catch((e: unknown) => {
      throw inUse(e, port, "CHATVAULT_WEB_PORT");
    });
}
